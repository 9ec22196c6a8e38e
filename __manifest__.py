# Odoo-style addon manifest: read by the data loader and by `salesflow migrate`.
{
    "name": "salesflow",
    "version": "0.1.0",
    "summary": "Leads to invoices: opportunities, quotes with revisions, staged deliveries, gapless invoicing",
    "author": "salesflow developers",
    "license": "LGPL-3",
    "category": "Sales",
    "depends": [],
    "data": [
        "security/access.csv",
        "security/operations.csv",
        "data/stages.csv",
        "data/number_series.csv",
        "data/company.csv",
    ],
    "external_dependencies": {
        "python": [
            "sqlalchemy",
            "alembic",
            "transitions",
            "babel",
            "strawberry",
            "starlette",
            "uvicorn",
            "phonenumbers",
        ],
    },
    "installable": True,
    "application": True,
}
