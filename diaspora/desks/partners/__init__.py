"""A desk's partners: MoUs with associations and calls for support to the diaspora."""
