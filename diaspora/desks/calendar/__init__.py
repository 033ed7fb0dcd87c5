"""A desk's working days: its country's public holidays and the desk's own corrections."""
