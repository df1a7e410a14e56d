"""Idiom gone wrong: double-checked lazy initialisation. The first check reads
Service._client outside the lock; another thread writes it inside. README: the first check
must be under the lock too; unordered read and write race.
"""

import threading

# RACE: Service._client


class Client:
    def __init__(self) -> None:
        self.connected = True


class Service:
    def __init__(self) -> None:
        self._client: Client | None = None
        self._lock = threading.Lock()

    def client(self) -> Client:
        if self._client is None:
            with self._lock:
                if self._client is None:
                    self._client = Client()
        return self._client


def main() -> None:
    service = Service()
    results: list[bool] = []

    def use() -> None:
        results.append(service.client().connected)

    threads = [threading.Thread(target=use) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(results)


if __name__ == "__main__":
    main()
