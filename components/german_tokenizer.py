"""spaCy tokenizer whose lemmas are folded the way patients type (lower case, ae/oe/ue/ss)."""

from __future__ import annotations

from typing import List, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.tokenizers.spacy_tokenizer import SpacyTokenizer
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.nlu.training_data.message import Message

from components.text_normalization import normalize_text


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class GermanSpacyTokenizer(SpacyTokenizer):
    """Lemmas feed the count-vector featurizers: "Müdigkeit", "muedigkeit" and "MÜDIGKEIT" match."""

    def tokenize(self, message: Message, attribute: Text) -> List[Token]:
        tokens = super().tokenize(message, attribute)
        for token in tokens:
            folded = normalize_text(token.lemma or token.text).replace(" ", "")
            token.lemma = folded or token.text.lower()
        return tokens
