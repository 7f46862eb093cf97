"""Identity resolution: probabilistic linkage of person records (Splink) and its graph side."""
