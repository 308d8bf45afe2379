"""The compiled ELU-family kernel: one scalar C source (``elu_family.h``) for
NumPy's ufunc loops (``_ufunc``, an optional extension module) and CuPy's
elementwise kernels, and its contract on the Python side: the coefficients
it computes with (``coefficients``) and its derived constants (``derive``)."""
