"""A member's (or an association's) side of a desk: the structured submission by topic (its
questions), where it goes (routing by country and topic), its gap-free reference and its
timeline, and the counters kept with every change of a submission."""
