"""The GraphQL schema (strawberry). It calls statemachine operations and never writes SQL."""
