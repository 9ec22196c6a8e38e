"""The plain domain: entities as dataclasses, money, error codes, access rules and the ports.

Nothing here imports the rest of salesflow or any framework; adapters map these classes onto a
store and the state machines move them through their lifecycles.
"""
