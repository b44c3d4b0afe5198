"""Custom dashboards in the Charts dock, and how metrics are shown on them."""
