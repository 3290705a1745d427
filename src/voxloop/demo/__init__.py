"""The demo company 鲜到家 FreshDash: generated feedback, customers, taxonomy and stories."""
