"""What every document's schema shares: scalars, ids, errors, access, loading, pages, mutations."""
