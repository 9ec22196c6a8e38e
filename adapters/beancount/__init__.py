"""The `beancount` accounting backend: invoices are recorded in a plain-text beancount ledger,
one small file per invoice, and payments typed into that ledger come back (see backend.py).

Configured from the environment (SALESFLOW_ACCOUNTING=beancount):

    SALESFLOW_BEANCOUNT_LEDGER            the main ledger file (required); a symlink is followed
                                          at every write, and stays a link
    SALESFLOW_BEANCOUNT_RECEIVABLE        default Assets:Receivable
    SALESFLOW_BEANCOUNT_INCOME            default Income:Sales
    SALESFLOW_BEANCOUNT_TAX               default Liabilities:Tax:Output
    SALESFLOW_BEANCOUNT_ACCOUNT_PER_RATE  income,tax (default) | income | tax | none:
                                          a sub-account per tax rate (Income:Sales:Rate21)
    SALESFLOW_BEANCOUNT_RECHECK_SECONDS   86400: the longest a full check may be reused for payments
                                          (a backstop: a changed or new ledger file is read at once)

Needs the optional extra: pip install 'salesflow[beancount]'.
"""

from .backend import BeancountBackend

__all__ = ["BeancountBackend"]
