"""A desk officer's work: the desk's queue, working a submission to an answer (assign, reply,
note, acknowledge, resolve, close), canned replies, and the daily reminders of overdue ones."""
