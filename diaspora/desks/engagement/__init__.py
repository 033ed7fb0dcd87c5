"""The engagement dashboard of a desk's country, its figures published under disclosure control
for fixed reporting periods, and the same figures as aggregates for national reporting."""
