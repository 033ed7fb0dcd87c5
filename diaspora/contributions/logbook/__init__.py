"""A member's logbook: their contributions logged, changed, sent for verification, with their
evidence and sharing; their portfolio (list, totals, CSV); and the contribution pages."""
