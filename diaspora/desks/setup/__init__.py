"""Setting desks up (platform admins): a desk's country, topics and target times, its officers
and their invitations, and the submissions no desk takes yet."""
