"""The GraphQL schema (strawberry): one folder per document with its types, inputs and mutations."""
