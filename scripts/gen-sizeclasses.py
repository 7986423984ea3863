#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Generate goslab/sizeclasses.h, goslab's table of small-object size classes.

The algorithm is the one of Go's runtime/mksizeclasses.go, run with the
kernel's 4 KiB pages instead of Go's 8 KiB runtime pages:

 1. Walk the candidate sizes 8, 16, 24, ... 32768 in steps that grow with
    the size: 8 bytes below 32, 16 below 128, then an eighth of the power of
    two below (16 from 128, 32 from 256, ...), 256 from 2048 on.
 2. Give each candidate the smallest number of pages whose tail (the bytes
    left after cutting the span into objects) is at most 1/8 of the span.
 3. If a candidate has the same page count and the same number of objects
    per span as the class before it, it replaces that class: same memory
    use, larger objects.
 4. Grow each class to the largest multiple of 128 (the large lookup step)
    that still fits as many objects in its span, but stay below the next
    class: with 4 KiB pages, growth would make two classes of 1536 bytes.
    Go does not need this limit; with 8 KiB pages it never bites.
 5. Check that n / size == (n * divmul) >> 32, divmul = 2^32 / size rounded
    up, for every offset n of a span, 0 .. span bytes inclusive.

Steps 3 and 4 move tail bytes into round-up bytes one for one, so what Go's
table keeps is: tail <= 1/8 of the span, and the round-up waste of every
object (a request of the previous class + 1 bytes) is at most one step of
the walk, plus the tail allowance. From 128 bytes on, both together stay
below 25% of the span (Go's 1.125 * 1.125 = 1.266). See waste_ok().

Every promise the table makes is checked here before anything is written;
goslab/tests/sizeclass-kunit.h checks the compiled table again from first
principles.

Usage:
  scripts/gen-sizeclasses.py           write goslab/sizeclasses.h
  scripts/gen-sizeclasses.py --check   exit 1 if goslab/sizeclasses.h is stale
  scripts/gen-sizeclasses.py --stdout  print the header
  scripts/gen-sizeclasses.py --stdout --page-shift 13
                                       Go's own table (8 KiB pages), to compare
"""

import argparse
import os
import sys

PAGE_SHIFT = 12                 # x86-64 PAGE_SIZE; Go's runtime uses 13
PAGE_SIZE = 1 << PAGE_SHIFT
MAX_SMALL_SIZE = 32 << 10       # larger objects get whole-page spans
SMALL_SIZE_DIV = 8              # lookup step up to SMALL_SIZE_MAX
SMALL_SIZE_MAX = 1024
LARGE_SIZE_DIV = 128            # lookup step above SMALL_SIZE_MAX

TAIL_WASTE_DIV = 8              # tail waste <= span / 8 (12.5%)

# Field limits of struct goslab_class.
U16_MAX = (1 << 16) - 1
U32_MAX = (1 << 32) - 1

OUTPUT = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                      os.pardir, 'goslab', 'sizeclasses.h')


class GenError(Exception):
    """A promise of the table does not hold: nothing is written."""


def is_pow2(x):
    return x > 0 and x & (x - 1) == 0


def go_align(size):
    """The step of Go's candidate walk at 'size' (see makeClasses()).

    Go bumps the step only at powers of two: from 32 on to 16 (its heap
    bitmaps want 16-byte alignment), from 128 on to an eighth of the power of
    two, from 2048 on to 256.
    """
    if size >= 2048:
        return 256
    if size >= 128:
        return (1 << (size.bit_length() - 1)) // 8
    if size >= 32:
        return 16
    return 8


def span_pages(size):
    """The smallest page count whose tail waste is at most 1/8 of the span."""
    span = PAGE_SIZE
    while span % size > span // TAIL_WASTE_DIV:
        span += PAGE_SIZE
    return span // PAGE_SIZE


def grown_size(size, npages):
    """The largest multiple of LARGE_SIZE_DIV fitting as many objects."""
    span = npages * PAGE_SIZE
    return (span // (span // size)) & ~(LARGE_SIZE_DIV - 1)


def divmul(size):
    return U32_MAX // size + 1


def make_classes():
    """Return [(size, npages)], class 0 being the (0, 0) large-object dummy."""
    classes = [(0, 0)]
    for size in candidate_walk():
        npages = span_pages(size)
        span = npages * PAGE_SIZE
        if len(classes) > 1:
            psize, pnpages = classes[-1]
            if pnpages == npages and span // psize == span // size:
                classes[-1] = (size, npages)
                continue
        classes.append((size, npages))

    # Go grows every class as far as its object count allows. With 4 KiB
    # pages that can reach the next class (1408 bytes, 8 objects in 3 pages,
    # would grow to 1536, the next class), so growth stops below the next
    # class. With Go's 8 KiB pages the limit never bites: the table is Go's.
    limit = MAX_SMALL_SIZE
    for i in range(len(classes) - 1, 0, -1):
        size, npages = classes[i]
        size = max(size, min(grown_size(size, npages), limit))
        classes[i] = (size, npages)
        limit = (size - 1) & ~(LARGE_SIZE_DIV - 1)
    return classes


def candidate_walk():
    """Go's candidate sizes, the walk of make_classes() written as Go does."""
    sizes = []
    align = 8
    size = align
    while size <= MAX_SMALL_SIZE:
        if is_pow2(size):
            if size >= 2048:
                align = 256
            elif size >= 128:
                align = size // 8
            elif size >= 32:
                align = 16
        sizes.append(size)
        size += align
    return sizes


def waste_ok(prev, size, npages):
    """Round-up waste bound, as Go's algorithm gives it.

    A request of prev + 1 bytes gets 'size'. The candidate walk alone would
    keep that round-up below one alignment step (at most 1/8 of the size from
    128 bytes on); merging candidates (step 3) and growing classes (step 4)
    turn tail bytes into round-up bytes one for one, so what holds per span
    is: round-up of every object + tail <= (step - 1) * objects + span / 8.
    From 128 bytes on, that is a worst case below 25% of the span (Go's
    1.125 * 1.125); below, alignment dominates.
    """
    span = npages * PAGE_SIZE
    nobjs = span // size
    waste = (size - prev - 1) * nobjs + span - nobjs * size
    if waste > (go_align(prev) - 1) * nobjs + span // TAIL_WASTE_DIV:
        return False
    return prev < 128 or waste * 4 < span


def max_waste(prev, size, npages):
    """Go's "max waste" column, in 1/100 of a percent, rounded down.

    The worst case for a class: every object holds a request of prev + 1
    bytes, and the tail of the span is wasted too.
    """
    span = npages * PAGE_SIZE
    nobjs = span // size
    tail = span - nobjs * size
    return ((size - prev - 1) * nobjs + tail) * 10000 // span


def check_divmul(size, npages):
    """Brute force: the multiply-shift equals the division for every offset.

    Also computes, as Go does after Lemire et al., "Faster Remainder by Direct
    Computation" (arXiv:1902.01961), the fewest fractional bits F that make
    the method exact, and requires F <= 32.
    """
    limit = npages * PAGE_SIZE
    n_bits = limit.bit_length()
    if is_pow2(size):
        f_bits = size.bit_length() - 1
    else:
        lbits = 0
        while size > (1 << (n_bits + lbits)) % size + (1 << lbits):
            lbits += 1
        f_bits = n_bits + lbits
    if f_bits > 32:
        raise GenError(f'size {size}: {f_bits} fractional bits needed for '
                       f'offsets up to {limit}')
    m = divmul(size)
    if m > U32_MAX:
        raise GenError(f'size {size}: divmul {m} does not fit 32 bits')
    for n in range(limit + 1):
        if (n * m) >> 32 != n // size:
            raise GenError(f'size {size}: bad divmul {m} at offset {n}')


def size_to_class(classes, size):
    for i, (csize, _) in enumerate(classes):
        if csize >= size:
            return i
    raise GenError(f'no class for size {size}')


def check(classes):
    """Check every promise of the table; raise GenError on the first miss."""
    sizes = [c[0] for c in classes]
    if classes[0] != (0, 0):
        raise GenError('class 0 must be the (0, 0) large-object dummy')
    if sizes[-1] != MAX_SMALL_SIZE:
        raise GenError(f'last class {sizes[-1]} != {MAX_SMALL_SIZE}')
    if len(classes) > 256:
        raise GenError('class numbers must fit the u8 lookup tables')
    prev = 0
    for i, (size, npages) in enumerate(classes[1:], 1):
        span = npages * PAGE_SIZE
        nobjs = span // size
        tail = span - nobjs * size
        if size <= prev:
            raise GenError(f'class {i}: size {size} not above {prev}')
        # Go's step at this size, or grown by step 4 to a multiple of 128
        # with as many objects as the candidate below it.
        align = go_align(size)
        if size % align and (size % LARGE_SIZE_DIV or
                             span // (size - size % align) != nobjs):
            raise GenError(f'class {i}: size {size} misaligned')
        if size > SMALL_SIZE_MAX and size % LARGE_SIZE_DIV:
            raise GenError(f'class {i}: size {size} breaks the 128-byte '
                           'lookup step')
        if not waste_ok(prev, size, npages):
            raise GenError(f'class {i}: round-up waste {size - prev - 1} '
                           f'for size {size} breaks the bound')
        if tail * TAIL_WASTE_DIV > span:
            raise GenError(f'class {i}: tail waste {tail} of {span}')
        if nobjs > U16_MAX or npages > U16_MAX or tail > U16_MAX:
            raise GenError(f'class {i}: a field overflows u16')
        check_divmul(size, npages)
        prev = size
    # kmalloc() gives power-of-two sizes natural alignment: keep every power
    # of two from 8 bytes a class of its own, so goslab can too.
    p = 8
    while p <= MAX_SMALL_SIZE:
        if p not in sizes:
            raise GenError(f'power of two {p} is not a class')
        p *= 2
    # The lookup tables must send every size to the smallest class holding it.
    c8, c128 = lookup_tables(classes)
    for size in range(1, MAX_SMALL_SIZE + 1):
        if size <= SMALL_SIZE_MAX:
            cls = c8[(size + SMALL_SIZE_DIV - 1) // SMALL_SIZE_DIV]
        else:
            cls = c128[(size - SMALL_SIZE_MAX + LARGE_SIZE_DIV - 1) //
                       LARGE_SIZE_DIV]
        if cls != size_to_class(classes, size):
            raise GenError(f'lookup of size {size} gives class {cls}')


def lookup_tables(classes):
    c8 = [size_to_class(classes, i * SMALL_SIZE_DIV)
          for i in range(SMALL_SIZE_MAX // SMALL_SIZE_DIV + 1)]
    c128 = [size_to_class(classes, SMALL_SIZE_MAX + i * LARGE_SIZE_DIV)
            for i in range((MAX_SMALL_SIZE - SMALL_SIZE_MAX) //
                           LARGE_SIZE_DIV + 1)]
    return c8, c128


def table_rows(classes):
    """Per class: (size, npages, nobjs, divmul, tail, max_waste, align)."""
    rows = [(0, 0, 0, 0, 0, 0, 0)]
    prev = 0
    for size, npages in classes[1:]:
        span = npages * PAGE_SIZE
        nobjs = span // size
        tail = span - nobjs * size
        align = min(size & -size, PAGE_SIZE)
        rows.append((size, npages, nobjs, divmul(size), tail,
                     max_waste(prev, size, npages), align))
        prev = size
    return rows


def comment_table(rows):
    """Go's comment table, for people reading the header."""
    out = [' * class  bytes/obj  bytes/span  objects  tail waste  '
           'max waste  min align']
    for i, row in enumerate(rows[1:], 1):
        size, npages, nobjs, _, tail, waste, align = row
        pct = f'{waste // 100}.{waste % 100:02d}%'
        out.append(f' * {i:5d}  {size:9d}  {npages * PAGE_SIZE:10d}  '
                   f'{nobjs:7d}  {tail:10d}  {pct:>9s}  {align:9d}')
    return out


def u8_array(values, indent='\t', per_line=16):
    lines = []
    for i in range(0, len(values), per_line):
        chunk = values[i:i + per_line]
        lines.append(indent + ', '.join(f'{v:2d}' for v in chunk) + ',')
    return lines


def render(classes):
    rows = table_rows(classes)
    c8, c128 = lookup_tables(classes)
    out = []
    w = out.append
    w('/* SPDX-License-Identifier: GPL-2.0 */')
    w('/* Generated by scripts/gen-sizeclasses.py; do not edit. */')
    w('/* Overview: Documentation/design.rst, Documentation/sizeclasses.rst. */')
    w('#ifndef _GOSLAB_SIZECLASSES_H')
    w('#define _GOSLAB_SIZECLASSES_H')
    w('')
    w('#include <linux/types.h>')
    w('')
    w('/*')
    w(f' * Go\'s size classes, made for {PAGE_SIZE}-byte pages. The tail of a '
      'span is at')
    w(' * most 1/8 of it; "max waste" is the worst case of round-up and '
      'tail together')
    w(' * (every object holding one byte more than the class before), in % '
      'of the')
    w(' * span, rounded down; "min align" is the alignment every object of '
      'the class')
    w(' * gets, spans starting on a page. See Documentation/sizeclasses.rst.')
    w(' *')
    out.extend(comment_table(rows))
    w(' */')
    w('')
    w(f'#define GOSLAB_NUM_CLASSES\t\t{len(classes)}\t'
      '/* including class 0 (large objects) */')
    w(f'#define GOSLAB_MAX_SMALL_SIZE\t\t{MAX_SMALL_SIZE}')
    w(f'#define GOSLAB_SMALL_SIZE_DIV\t\t{SMALL_SIZE_DIV}')
    w(f'#define GOSLAB_SMALL_SIZE_MAX\t\t{SMALL_SIZE_MAX}')
    w(f'#define GOSLAB_LARGE_SIZE_DIV\t\t{LARGE_SIZE_DIV}')
    w(f'#define GOSLAB_MAX_SPAN_PAGES\t\t{max(r[1] for r in rows)}')
    w(f'#define GOSLAB_MAX_OBJS_PER_SPAN\t{max(r[2] for r in rows)}')
    w(f'#define GOSLAB_SIZECLASS_PAGE_SIZE\t{PAGE_SIZE}\t'
      '/* the page size the table is made for */')
    w('')
    w('struct goslab_class {')
    w('\tu32 size;\t\t/* object size in bytes */')
    w('\tu16 npages;\t\t/* pages per span */')
    w('\tu16 nobjs;\t\t/* objects per span */')
    w('\tu32 divmul;\t\t/* object index = (offset * divmul) >> 32 */')
    w('\tu16 tail_waste;\t\t/* bytes left over at the end of a span */')
    w('\tu16 max_waste;\t\t/* worst-case waste, in 1/100 of a percent */')
    w('};')
    w('')
    w('extern const struct goslab_class goslab_classes[GOSLAB_NUM_CLASSES];')
    w('extern const u8 goslab_size_to_class8[GOSLAB_SMALL_SIZE_MAX / '
      'GOSLAB_SMALL_SIZE_DIV + 1];')
    w('extern const u8 goslab_size_to_class128[(GOSLAB_MAX_SMALL_SIZE - '
      'GOSLAB_SMALL_SIZE_MAX) /')
    w('\t\t\t\t\tGOSLAB_LARGE_SIZE_DIV + 1];')
    w('')
    w('/**')
    w(' * goslab_size_to_class() - size class of a small object')
    w(' * @size: object size in bytes')
    w(' *')
    w(" * Go's sizeToClass: two lookup tables, one in 8-byte steps up to")
    w(' * %GOSLAB_SMALL_SIZE_MAX and one in 128-byte steps above. Inline: every')
    w(' * kmalloc starts here.')
    w(' *')
    w(' * Return: the smallest class whose objects hold @size bytes, or 0 when')
    w(' * @size is 0 or larger than %GOSLAB_MAX_SMALL_SIZE (a large object).')
    w(' */')
    w('static inline unsigned int goslab_size_to_class(size_t size)')
    w('{')
    w('\tif (size <= GOSLAB_SMALL_SIZE_MAX)\t/* size 0 gives class 0 */')
    w('\t\treturn goslab_size_to_class8[(size + GOSLAB_SMALL_SIZE_DIV - 1) /')
    w('\t\t\t\t\t     GOSLAB_SMALL_SIZE_DIV];')
    w('\tif (size <= GOSLAB_MAX_SMALL_SIZE)')
    w('\t\treturn goslab_size_to_class128[(size - GOSLAB_SMALL_SIZE_MAX +')
    w('\t\t\t\t\t\tGOSLAB_LARGE_SIZE_DIV - 1) /')
    w('\t\t\t\t\t       GOSLAB_LARGE_SIZE_DIV];')
    w('\treturn 0;')
    w('}')
    w('')
    w('#ifdef GOSLAB_SIZECLASSES_DEFINE')
    w('const struct goslab_class goslab_classes[GOSLAB_NUM_CLASSES] = {')
    w('\t/* { size, npages, nobjs, divmul, tail_waste, max_waste } */')
    for i, (size, npages, nobjs, dm, tail, waste, _) in enumerate(rows):
        w(f'\t{f"[{i}]":4s} = {{ {size:5d}, {npages:2d}, {nobjs:3d}, '
          f'0x{dm:08x}, {tail:4d}, {waste:4d} }},')
    w('};')
    w('')
    w('const u8 goslab_size_to_class8[GOSLAB_SMALL_SIZE_MAX / '
      'GOSLAB_SMALL_SIZE_DIV + 1] = {')
    out.extend(u8_array(c8))
    w('};')
    w('')
    w('const u8 goslab_size_to_class128[(GOSLAB_MAX_SMALL_SIZE - '
      'GOSLAB_SMALL_SIZE_MAX) /')
    w('\t\t\t\t GOSLAB_LARGE_SIZE_DIV + 1] = {')
    out.extend(u8_array(c128))
    w('};')
    w('#endif /* GOSLAB_SIZECLASSES_DEFINE */')
    w('')
    w('#endif /* _GOSLAB_SIZECLASSES_H */')
    return '\n'.join(out) + '\n'


def main():
    parser = argparse.ArgumentParser(
        description='Generate goslab/sizeclasses.h (Go\'s size classes).')
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument('--check', action='store_true',
                      help='exit 1 if goslab/sizeclasses.h is not up to date')
    mode.add_argument('--stdout', action='store_true',
                      help='print the header instead of writing it')
    parser.add_argument('--page-shift', type=int, default=PAGE_SHIFT,
                        help='page size to build for (13 gives Go\'s table); '
                        'only with --stdout')
    args = parser.parse_args()
    if args.page_shift != PAGE_SHIFT:
        if not args.stdout or not 12 <= args.page_shift <= 16:
            parser.error('--page-shift: 12 .. 16, and only with --stdout')
        global PAGE_SIZE
        PAGE_SIZE = 1 << args.page_shift

    classes = make_classes()
    try:
        check(classes)
    except GenError as e:
        print(f'gen-sizeclasses: {e}', file=sys.stderr)
        return 2
    text = render(classes)
    path = os.path.normpath(OUTPUT)

    if args.stdout:
        sys.stdout.write(text)
        return 0
    if args.check:
        try:
            with open(path, encoding='utf-8') as f:
                current = f.read()
        except OSError as e:
            print(f'gen-sizeclasses: {e}', file=sys.stderr)
            return 1
        if current != text:
            print(f'gen-sizeclasses: {path} is out of date; run '
                  'scripts/gen-sizeclasses.py', file=sys.stderr)
            return 1
        return 0
    with open(path, 'w', encoding='utf-8') as f:
        f.write(text)
    return 0


if __name__ == '__main__':
    sys.exit(main())
