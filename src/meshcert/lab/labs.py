"""Labs and the host that serves many of them from one process.

A `Lab` is one cluster with its token, its journal (every accepted change is on disk before
the client hears back) and, optionally, a port of its own. A `LabHost` keeps labs by id and
serves each at `https://127.0.0.1:<host port>/labs/<id>` and at the root of the lab's own port,
with one TLS certificate for all of them.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
from pathlib import Path
from typing import IO

from meshcert.kube.apiserver.app import Tenant, build_app
from meshcert.kube.apiserver.serving import ApiServer
from meshcert.kube.cluster import Cluster
from meshcert.kube.errors import InternalError
from meshcert.kube.store import WatchEvent

from .errors import LabError, LabRunning, LabStateError, NoLab
from .journal import Journal, recover
from .kubeconfig import CONTEXT, KubeconfigEntry
from .scenarios import BASE, Scenario, load_scenario, seed
from .state import LabFiles, check_lab_id

CHECKPOINT_SECONDS = 60.0


def new_cluster(ca_pem: bytes | None = None) -> Cluster:
    """A cluster with the built-in controllers, hooks and validation wired.

    `ca_pem` is the certificate clients trust for this cluster's API: it is what the cluster
    publishes as `kube-root-ca.crt` in every namespace.
    """
    from meshcert.kube.cluster import new_cluster as wired
    from meshcert.kube.controllers.serviceaccounts import ROOT_CA_EXTENSION
    from meshcert.tools.equipment import equip

    cluster = wired()
    if ca_pem is not None:
        cluster.extensions[ROOT_CA_EXTENSION] = ca_pem.decode()
    equip(cluster)
    return cluster


class Lab:
    """One served cluster: id, token, durable state and (optionally) its own port."""

    def __init__(
        self,
        lab_id: str,
        cluster: Cluster,
        token: str,
        scenario: str,
        files: LabFiles | None = None,
    ) -> None:
        self.id = lab_id
        self.cluster = cluster
        self.token = token
        self.scenario = scenario
        self.files = files
        self.port: int | None = None
        self.tenant = Tenant(cluster, token)
        self.journal: Journal | None = None
        self._lock: IO[bytes] | None = None
        if files is not None:
            self.journal = Journal(files.journal, files.snapshot)
            cluster.commit_listeners.append(self._commit)

    def _commit(self, events: list[WatchEvent]) -> None:
        """Commit listener: make a request's changes durable before the API answers."""
        if self.journal is None:
            return
        try:
            self.journal.record(events)
            if self.journal.due:
                self.checkpoint()
        except (LabStateError, OSError) as exc:
            # Not on disk, so not acknowledged: the client gets a 500 saying why.
            raise InternalError(f"the lab could not save the change: {exc}") from exc

    def checkpoint(self) -> None:
        """Snapshot the store and empty the journal (cheap to resume from)."""
        if self.journal is None:
            return
        with self.cluster.lock:
            self.journal.snapshot(self.cluster.store.dump())

    def close(self) -> None:
        """Stop journaling and release the lab's files to other processes."""
        if self.journal is not None:
            self.journal.close()
        if self._lock is not None:
            self._lock.close()
            self._lock = None


class LabHost:
    """Many labs in one process, behind one HTTPS server (a shared port plus a port per lab)."""

    def __init__(
        self,
        *,
        home: Path | None = None,
        durable: bool = True,
        cert_pem: bytes | None = None,
        key_pem: bytes | None = None,
        host: str = "127.0.0.1",
    ) -> None:
        if cert_pem is None or key_pem is None:
            from meshcert.kube.apiserver.tls import self_signed_certificate

            cert_pem, key_pem = self_signed_certificate()
        self.home = home
        self.durable = durable
        self.cert_pem = cert_pem
        self.key_pem = key_pem
        self.host = host
        self.port: int | None = None
        self.server = ApiServer(build_app(self), cert_pem, key_pem, host)
        self._labs: dict[str, Lab] = {}
        self._by_port: dict[int, Lab] = {}
        self._checkpoints: asyncio.Task[None] | None = None

    # routing (the apiserver's TenantRouter) ----------------------------------------------------

    def by_prefix(self, lab_id: str) -> Tenant | None:
        lab = self._labs.get(lab_id)
        return lab.tenant if lab is not None else None

    def by_port(self, port: int) -> Tenant | None:
        lab = self._by_port.get(port)
        return lab.tenant if lab is not None else None

    # labs ------------------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._labs)

    def get(self, lab_id: str) -> Lab | None:
        return self._labs.get(lab_id)

    def labs(self) -> list[Lab]:
        return list(self._labs.values())

    async def start(self, port: int = 0) -> int:
        """Serve every lab under `/labs/<id>` on `port` (0: any free port); the bound port."""
        self.port = await self._bind(port)
        return self.port

    async def create(
        self,
        scenario: Scenario | str = BASE,
        *,
        port: int | None = 0,
        lab_id: str | None = None,
    ) -> Lab:
        """A new lab seeded from `scenario`; served on its own `port` too unless None."""
        if isinstance(scenario, str):
            scenario = load_scenario(scenario)
        lab_id = check_lab_id(lab_id) if lab_id else self._new_id()
        if lab_id in self._labs:
            raise LabRunning(f"lab {lab_id!r} already exists in this process")
        cluster = new_cluster(self.cert_pem)
        seed(cluster, scenario)
        token = secrets.token_urlsafe(32)
        files = LabFiles.of(lab_id, self.home) if self.durable else None
        lab = Lab(lab_id, cluster, token, scenario.name, files)
        if files is not None:
            lab._lock = self._lock(files)
            if files.exists():
                lab.close()
                raise LabStateError(
                    f"lab {lab_id!r} already has state in {files.dir}: resume or remove it"
                )
        try:
            if files is not None:
                self._save_new(lab, files)
            return await self._serve(lab, port)
        except BaseException:
            lab.close()
            if files is not None:
                files.discard_state()
            raise

    async def resume(self, lab_id: str, *, port: int | None = None) -> Lab:
        """Bring back a lab from its files exactly (objects, counter, token).

        Served on `port`, or else on the port it had if that is free, or else any free port.
        """
        if not self.durable:
            raise LabStateError("this lab host keeps no state to resume from")
        if lab_id in self._labs:
            raise LabRunning(f"lab {lab_id!r} is already served by this process")
        files = LabFiles.of(lab_id, self.home)
        if not files.exists():
            raise NoLab(f"there is no lab {lab_id!r} to resume in {files.dir}")
        lock = self._lock(files)
        try:
            token = files.read(files.token)
            scenario = files.read(files.scenario) if files.scenario.exists() else BASE
            cluster = new_cluster(self.cert_pem)
            recover(cluster.store, files.journal, files.snapshot)
        except BaseException:
            lock.close()
            raise
        lab = Lab(lab_id, cluster, token, scenario, files)
        lab._lock = lock
        try:
            assert lab.journal is not None
            lab.checkpoint()  # folds the journal in and drops a torn tail before new appends
            lab.journal.open()
            self._save_cert(files)
            files.write(files.pid, f"{os.getpid()}\n")
        except BaseException:
            lab.close()
            raise
        if port is not None:
            return await self._serve(lab, port)
        return await self._serve(lab, files.read_int(files.port) or 0, fallback=True)

    async def remove(self, lab_id: str, *, keep_state: bool = False) -> None:
        """Stop serving a lab; delete its files unless `keep_state` (then it can resume)."""
        lab = self._labs.pop(lab_id, None)
        if lab is None:
            raise NoLab(f"there is no lab {lab_id!r} in this process")
        if lab.port is not None:
            self._by_port.pop(lab.port, None)
            await self.server.stop_port(lab.port)
        if keep_state:
            lab.checkpoint()
        lab.close()
        if lab.files is not None and not keep_state:
            lab.files.remove()

    async def stop(self) -> None:
        """Stop serving everything; labs keep their state (they can resume)."""
        if self._checkpoints is not None:
            self._checkpoints.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._checkpoints
            self._checkpoints = None
        for lab_id in list(self._labs):
            await self.remove(lab_id, keep_state=True)
        await self.server.stop()
        self.port = None

    # clients ---------------------------------------------------------------------------------

    def url(self, lab: Lab, *, shared: bool = False) -> str:
        """The API server URL of `lab`: its own port, or its path on the shared port."""
        if shared or lab.port is None:
            if self.port is None:
                raise LabStateError("the lab host serves no shared port (call start())")
            return f"https://{self.host}:{self.port}/labs/{lab.id}"
        return f"https://{self.host}:{lab.port}"

    def kubeconfig_entry(
        self, lab: Lab, *, name: str = CONTEXT, shared: bool = False
    ) -> KubeconfigEntry:
        return KubeconfigEntry(name, self.url(lab, shared=shared), self.cert_pem, lab.token)

    # internals -------------------------------------------------------------------------------

    def _new_id(self) -> str:
        while True:
            lab_id = f"lab-{secrets.token_hex(4)}"
            if lab_id not in self._labs:
                return lab_id

    def _lock(self, files: LabFiles) -> IO[bytes]:
        lock = files.take_lock()
        if lock is None:
            pid = files.read_int(files.pid)
            raise LabRunning(
                f"lab {files.lab_id!r} is already served by another process"
                + (f" (pid {pid})" if pid else "")
            )
        return lock

    def _save_cert(self, files: LabFiles) -> None:
        if not files.cert.exists() or files.cert.read_bytes() != self.cert_pem:
            files.write(files.key, self.key_pem)
            files.write(files.cert, self.cert_pem)

    def _save_new(self, lab: Lab, files: LabFiles) -> None:
        assert lab.journal is not None
        files.journal.unlink(missing_ok=True)
        lab.checkpoint()
        lab.journal.open()
        self._save_cert(files)
        files.write(files.scenario, lab.scenario + "\n")
        files.write(files.pid, f"{os.getpid()}\n")
        files.write(files.token, lab.token + "\n")  # last: a lab "exists" once it has a token

    async def _bind(self, port: int) -> int:
        try:
            return await self.server.start_port(port)
        except OSError as exc:
            raise LabError(f"cannot listen on {self.host}:{port}: {exc.strerror or exc}") from exc

    async def _serve(self, lab: Lab, port: int | None, *, fallback: bool = False) -> Lab:
        """Register `lab`, on its own port when asked (the free-port fallback if allowed)."""
        if port is not None:
            try:
                try:
                    lab.port = await self._bind(port)
                except LabError:
                    if not fallback:
                        raise
                    lab.port = await self._bind(0)
            except BaseException:
                lab.close()
                raise
            self._by_port[lab.port] = lab
            if lab.files is not None:
                lab.files.write(lab.files.port, f"{lab.port}\n")
        self._labs[lab.id] = lab
        if self.durable and self._checkpoints is None:
            self._checkpoints = asyncio.create_task(self._checkpoint_loop())
        return lab

    async def _checkpoint_loop(self) -> None:
        while True:
            await asyncio.sleep(CHECKPOINT_SECONDS)
            for lab in self.labs():
                if lab.journal is not None and lab.journal.entries:
                    lab.checkpoint()


__all__ = ["CHECKPOINT_SECONDS", "Lab", "LabHost", "new_cluster"]
