"""Users and their bearer tokens, for admins: who may sign in, with which role, until when."""
