"""A program that allocates 80 MB in one function and 20 MB in another, by construction.

Each function allocates 1 MB buffers and keeps them until it returns, so both the total
allocated and the peak in use split 80/20.
"""


def allocate_big() -> int:
    kept = [bytearray(1024 * 1024) for _ in range(80)]
    return sum(len(b) for b in kept)


def allocate_small() -> int:
    kept = [bytearray(1024 * 1024) for _ in range(20)]
    return sum(len(b) for b in kept)


def main() -> None:
    allocate_big()
    allocate_small()


if __name__ == "__main__":
    main()
