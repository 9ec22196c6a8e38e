"""The outside world's way in: the command line now, the HTTP/GraphQL gateway next."""
