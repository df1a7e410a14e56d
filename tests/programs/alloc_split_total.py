"""Like alloc_split.py, but run twice: 200 MB allocated in total, split 80/20 by construction.

``alloc_split.py`` really allocates only ~100 MB over its run (memray sees one 1 MB calloc per
``bytearray``, no copies), so a check of "at least 150 MB in total" needs this variant:
``allocate_big`` takes 2 x 80 MB and ``allocate_small`` 2 x 20 MB; the peak in use stays 80 MB.
"""


def allocate_big() -> int:
    kept = [bytearray(1024 * 1024) for _ in range(80)]
    return sum(len(b) for b in kept)


def allocate_small() -> int:
    kept = [bytearray(1024 * 1024) for _ in range(20)]
    return sum(len(b) for b in kept)


def main() -> None:
    for _ in range(2):
        allocate_big()
        allocate_small()


if __name__ == "__main__":
    main()
