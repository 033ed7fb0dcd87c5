"""An association's verification of its members' contributions: the decisions (verify, return,
bulk, withdraw a verification) and the officers' queue."""
