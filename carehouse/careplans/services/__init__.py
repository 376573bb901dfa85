"""Writing care plans: every change through one function, in one transaction with its revision and audit."""
