"""Grid arithmetic the exposure and mapping stages share: FFT convolution of a grid."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

# FFT lengths are rounded up to a product of these primes (pocketfft is fastest there).
FFT_FAST_PRIMES = (2, 3, 5)


def next_fast_len(n: int) -> int:
    """Smallest m ≥ n whose prime factors are all in :data:`FFT_FAST_PRIMES`."""
    best = None
    # Enumerate 2^a · 3^b · 5^c ≥ n; the search space is tiny (log³ n).
    p5 = 1
    while True:
        p35 = p5
        while True:
            m = p35
            while m < n:
                m *= 2
            if best is None or m < best:
                best = m
            if p35 >= n:
                break
            p35 *= 3
        if p5 >= n:
            break
        p5 *= 5
    return max(best or 1, 1)


def fft_convolve_same(grid: FloatArray, kernel: FloatArray) -> FloatArray:
    """Linear convolution of ``grid`` with the centred odd-sized ``kernel`` (same shape as
    ``grid``), zero-padded so the FFT's circular convolution never wraps round."""
    rows, cols = grid.shape
    kr, kc = kernel.shape
    if kr == kc == 1:
        return grid * kernel[0, 0]
    fr = next_fast_len(rows + kr - 1)
    fc = next_fast_len(cols + kc - 1)
    spectrum = np.fft.rfft2(grid, s=(fr, fc))
    spectrum *= np.fft.rfft2(kernel, s=(fr, fc))
    full = np.fft.irfft2(spectrum, s=(fr, fc))
    return full[kr // 2:kr // 2 + rows, kc // 2:kc // 2 + cols]
