"""A linear program held as arrays, built block by block without a Python loop per variable or row.

A :class:`VarBlock` is one variable family over named dimensions (``ship[lane, product, period]``)
that exists only where its mask is true; a :class:`RowBlock` is one constraint family over its own
named dimensions. Constraint families add COO triplets; :meth:`LinearProgram.matrix` assembles one
CSR matrix. Dimension names are checked when blocks are combined: a shape or label mismatch is an
error, never a silent broadcast.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

IntArray = np.ndarray
FloatArray = np.ndarray


@dataclass(frozen=True)
class VarBlock:
    """Variables ``name[dims]`` at the positions where ``index >= 0``; ``index`` maps to columns."""

    name: str
    dims: tuple[str, ...]
    index: IntArray  # shape = sizes of dims; column number or -1
    start: int
    stop: int
    integer: bool = False
    _coords: tuple[IntArray, ...] = field(default=(), repr=False, compare=False)

    @property
    def size(self) -> int:
        return self.stop - self.start

    def coords(self) -> tuple[IntArray, ...]:
        """Coordinates of existing variables along each dimension, in column order (computed once)."""
        return self._coords

    def columns(self) -> IntArray:
        return np.arange(self.start, self.stop)

    def dense(self, x: FloatArray, fill: float = 0.0) -> FloatArray:
        """Values of this block from a solution vector, as a dense array over ``dims``."""
        out = np.full(self.index.shape, fill, dtype=float)
        mask = self.index >= 0
        out[mask] = x[self.index[mask]]
        return out


@dataclass(frozen=True)
class RowBlock:
    """Constraint rows ``name[dims]``, rows ``start..stop`` with coordinates ``coords`` per dimension."""

    name: str
    dims: tuple[str, ...]
    coords: tuple[IntArray, ...]
    start: int
    stop: int

    @property
    def size(self) -> int:
        return self.stop - self.start

    def coord_of(self, row: int) -> dict[str, int]:
        i = row - self.start
        return {d: int(c[i]) for d, c in zip(self.dims, self.coords, strict=True)}


@dataclass
class LinearProgram:
    """Columns, rows and triplets of ``max/min c·x  s.t.  row_lb ≤ A·x ≤ row_ub,  lb ≤ x ≤ ub``."""

    sizes: dict[str, int]
    var_blocks: dict[str, VarBlock] = field(default_factory=dict)
    row_blocks: dict[str, RowBlock] = field(default_factory=dict)
    n_vars: int = 0
    n_rows: int = 0
    _lb: list[FloatArray] = field(default_factory=list)
    _ub: list[FloatArray] = field(default_factory=list)
    _row_lb: list[FloatArray] = field(default_factory=list)
    _row_ub: list[FloatArray] = field(default_factory=list)
    _triplets: list[tuple[IntArray, IntArray, FloatArray]] = field(default_factory=list)

    # ------------------------------------------------------------------ variables
    def add_vars(
        self,
        name: str,
        dims: tuple[str, ...],
        mask: np.ndarray,
        lb: float | FloatArray = 0.0,
        ub: float | FloatArray = np.inf,
        integer: bool = False,
    ) -> VarBlock:
        """Add one variable per true entry of ``mask`` (shape must match the named dimensions).

        ``lb`` and ``ub`` are scalars or arrays over the full ``dims`` shape.
        """
        self._check_shape(name, dims, mask.shape)
        index = np.full(mask.shape, -1, dtype=np.int64)
        count = int(mask.sum())
        index[mask] = np.arange(self.n_vars, self.n_vars + count)
        block = VarBlock(name, dims, index, self.n_vars, self.n_vars + count, integer, np.nonzero(mask))
        self.var_blocks[name] = block
        self._lb.append(np.broadcast_to(np.asarray(lb, dtype=float), mask.shape)[mask].copy())
        self._ub.append(np.broadcast_to(np.asarray(ub, dtype=float), mask.shape)[mask].copy())
        self.n_vars += count
        return block

    # ------------------------------------------------------------------ rows
    def add_rows(
        self,
        name: str,
        dims: tuple[str, ...],
        mask: np.ndarray,
        terms: list[tuple[tuple[IntArray, ...], IntArray, FloatArray | float]],
        lb: float | FloatArray = -np.inf,
        ub: float | FloatArray = np.inf,
    ) -> RowBlock:
        """Add one row per true entry of ``mask`` over ``dims``.

        Each term is ``(row_coords, columns, coefficients)``: for every nonzero, its coordinates along
        ``dims`` (a tuple of arrays), its column and its coefficient. Nonzeros that fall on a masked-out
        row are dropped (the caller decided those rows do not exist); duplicates are summed.
        ``lb``/``ub`` are scalars or arrays over the full ``dims`` shape.
        """
        self._check_shape(name, dims, mask.shape)
        rowmap = np.full(mask.shape, -1, dtype=np.int64)
        count = int(mask.sum())
        rowmap[mask] = np.arange(self.n_rows, self.n_rows + count)
        for coords, cols, vals in terms:
            if len(coords) != len(dims):
                raise ValueError(f"{name}: a term has {len(coords)} coordinates for dims {dims}")
            rows = rowmap[coords]
            keep = rows >= 0
            vals_arr = np.broadcast_to(np.asarray(vals, dtype=float), rows.shape)
            self._triplets.append((rows[keep], np.asarray(cols)[keep], vals_arr[keep]))
        block = RowBlock(name, dims, np.nonzero(mask), self.n_rows, self.n_rows + count)
        self.row_blocks[name] = block
        self._row_lb.append(np.broadcast_to(np.asarray(lb, dtype=float), mask.shape)[mask].copy())
        self._row_ub.append(np.broadcast_to(np.asarray(ub, dtype=float), mask.shape)[mask].copy())
        self.n_rows += count
        return block

    def _check_shape(self, name: str, dims: tuple[str, ...], shape: tuple[int, ...]) -> None:
        want = tuple(self.sizes[d] for d in dims)
        if shape != want:
            raise ValueError(f"{name}{list(dims)}: array of shape {shape} where the dimensions give {want}")

    # ------------------------------------------------------------------ assembly
    @property
    def lb(self) -> FloatArray:
        return np.concatenate(self._lb) if self._lb else np.zeros(0)

    @property
    def ub(self) -> FloatArray:
        return np.concatenate(self._ub) if self._ub else np.zeros(0)

    @property
    def row_lb(self) -> FloatArray:
        return np.concatenate(self._row_lb) if self._row_lb else np.zeros(0)

    @property
    def row_ub(self) -> FloatArray:
        return np.concatenate(self._row_ub) if self._row_ub else np.zeros(0)

    @property
    def integrality(self) -> np.ndarray:
        out = np.zeros(self.n_vars, dtype=bool)
        for b in self.var_blocks.values():
            if b.integer:
                out[b.start : b.stop] = True
        return out

    def matrix(self) -> sp.csr_matrix:
        """The constraint matrix in CSR form (duplicates summed)."""
        if not self._triplets:
            return sp.csr_matrix((self.n_rows, self.n_vars))
        rows = np.concatenate([t[0] for t in self._triplets])
        cols = np.concatenate([t[1] for t in self._triplets])
        vals = np.concatenate([t[2] for t in self._triplets])
        mat = sp.csr_matrix((vals, (rows, cols)), shape=(self.n_rows, self.n_vars))
        mat.sum_duplicates()
        mat.eliminate_zeros()
        return mat

    def row_block_of(self, row: int) -> RowBlock:
        for block in self.row_blocks.values():
            if block.start <= row < block.stop:
                return block
        raise IndexError(f"row {row} is outside the model ({self.n_rows} rows)")

    def var_block_of(self, col: int) -> VarBlock:
        for block in self.var_blocks.values():
            if block.start <= col < block.stop:
                return block
        raise IndexError(f"column {col} is outside the model ({self.n_vars} columns)")


def expand_dims(coords: tuple[IntArray, ...], dims: tuple[str, ...], keep: tuple[str, ...]) -> tuple[IntArray, ...]:
    """Select the coordinate arrays of ``keep`` (in that order) from coordinates over ``dims``."""
    missing = [d for d in keep if d not in dims]
    if missing:
        raise ValueError(f"dimensions {missing} are not among {dims}")
    return tuple(coords[dims.index(d)] for d in keep)
