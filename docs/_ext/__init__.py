"""Small build-time helpers of the selu_xp documentation (not part of the package)."""
