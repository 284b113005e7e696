"""Runs the model's graph (NLU and dialogue prediction) node by node in the calling thread.

Rasa runs the graph of every prediction through dask's synchronous scheduler: on this assistant's
small graphs, the scheduler's bookkeeping took a large share of the graph's time (profiled under
load). The results are the same; only the order of independent nodes may differ.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text, Tuple

import rasa.core.processor
from rasa.engine.exceptions import GraphRunError
from rasa.engine.graph import GraphSchema
from rasa.engine.runner.dask import DaskGraphRunner


class SequentialGraphRunner(DaskGraphRunner):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._minimal_schemas: Dict[Tuple[Text, ...], GraphSchema] = {}

    def run(
        self, inputs: Optional[Dict[Text, Any]] = None, targets: Optional[List[Text]] = None
    ) -> Dict[Text, Any]:
        run_targets = tuple(targets) if targets else tuple(self._graph_schema.target_names)
        schema = self._minimal_schema(run_targets)
        results: Dict[Text, Tuple[Text, Any]] = {}
        for name, value in (inputs or {}).items():
            if name in self._graph_schema.nodes:
                raise GraphRunError(f"Input '{name}' clashes with a node name of the graph.")
            results[name] = (name, value)

        def compute(node_name: Text) -> Tuple[Text, Any]:
            if node_name not in results:
                needs = schema.nodes[node_name].needs.values()
                results[node_name] = self._instantiated_nodes[node_name](*(compute(need) for need in needs))
            return results[node_name]

        try:
            return dict(compute(target) for target in run_targets)
        except RuntimeError as error:
            raise GraphRunError("Error running runner.") from error

    def _minimal_schema(self, targets: Tuple[Text, ...]) -> GraphSchema:
        if targets not in self._minimal_schemas:
            self._minimal_schemas[targets] = self._graph_schema.minimal_graph_schema(list(targets))
        return self._minimal_schemas[targets]


def install() -> None:
    rasa.core.processor.DaskGraphRunner = SequentialGraphRunner  # type: ignore[misc]
