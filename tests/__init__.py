"""layergrad's tests: a package, so files in different folders may share a basename."""
