"""Members' own records: a member sees and changes only their own. Records of another
member answer 404, never 403, so their existence is not revealed."""

from flask import abort


def own_or_404(user, record):
    """`record` (anything with a user_id) if it belongs to `user`; otherwise 404."""
    if record is None or getattr(record, "user_id", None) != user.id:
        abort(404)
    return record
