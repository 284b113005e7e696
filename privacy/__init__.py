"""Privacy by design (DSGVO Art. 9): masking, retention, access and erasure for the tracker store."""
