"""The schema of the company profile: the seller every document prints."""
