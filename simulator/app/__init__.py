"""The what-if page: a local web page over a `WhatIf` session (`visitsim app`)."""
