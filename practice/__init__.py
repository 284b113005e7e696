"""What both servers and the staff tools share, imported downward by all of them: the practice's
configuration (config/practice.yml) and the masking of contact data."""
