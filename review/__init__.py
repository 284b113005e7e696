"""Staff review page: the practice team turns misunderstood messages into training data (issue 14)."""
