#!/usr/bin/env python3
"""Scenario b's baseline: the least a client can do to put the same bytes on the server.

For every file: one upload session (4 MiB chunks, no checksum), every chunk PUT from a pool
of JOBS threads (all files' chunks in one queue), then `complete`. No hashing, no state, no
retries: pure transport. bench/run runs it with the venv's python (it needs httpx).

Usage: raw_upload.py URL TOKEN SHARE_ID JOBS FILE...
"""
import os
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

import httpx

CHUNK = 4 * 1024 * 1024


def main(url, token, share_id, jobs, files):
    local = threading.local()

    def client():
        if not hasattr(local, "client"):
            local.client = httpx.Client(
                base_url=url,
                headers={"Authorization": f"Bearer {token}"},
                timeout=600,
                trust_env=False,
            )
        return local.client

    sessions = []  # (session id, path, size)
    for path in files:
        size = os.path.getsize(path)
        resp = client().post(
            "/api/v1/uploads",
            json={
                "share_id": share_id,
                "file_name": os.path.basename(path),
                "file_size": size,
                "chunk_size": CHUNK,
            },
        )
        resp.raise_for_status()
        sessions.append((resp.json()["session_id"], path, size))

    def put(job):
        session_id, path, size, index = job
        fd = os.open(path, os.O_RDONLY)
        try:
            data = os.pread(fd, min(CHUNK, size - index * CHUNK), index * CHUNK)
        finally:
            os.close(fd)
        client().put(f"/api/v1/uploads/{session_id}/chunks/{index}", content=data).raise_for_status()

    def complete(session_id):
        client().post(f"/api/v1/uploads/{session_id}/complete").raise_for_status()

    chunks = [
        (sid, path, size, i)
        for sid, path, size in sessions
        for i in range((size + CHUNK - 1) // CHUNK)
    ]
    with ThreadPoolExecutor(jobs) as pool:
        list(pool.map(put, chunks))
        list(pool.map(complete, [sid for sid, _, _ in sessions]))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5:])
