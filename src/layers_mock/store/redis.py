"""A store on Redis, so several mock processes (and hosts) behave as one service.

State changes run as Lua scripts: Redis executes a script atomically, so a compare-and-set is
one round trip with no retry loop. (WATCH/MULTI would make 50 concurrent rejects of one
container retry each other; a script never does.) Idempotency records and rate-limit windows
expire through Redis's own TTLs. Every key starts with the namespace prefix.
"""

from __future__ import annotations

import functools
import hashlib
import json
import time
from typing import Any, Callable, Iterable, TypeVar

import redis

from ..models import ApiKey, Container, Org, Project
from .base import DuplicateId, IdempotencyRecord, StoreUnavailable

T = TypeVar("T")

# KEYS: records to create, then project counter hashes; ARGV[1]: how many records;
# ARGV[2..]: one JSON field map per record, then one approval status per counter key.
_ADD = """
local n = tonumber(ARGV[1])
for i = 1, n do
  if redis.call('EXISTS', KEYS[i]) == 1 then return KEYS[i] end
end
for i = 1, n do
  local record = cjson.decode(ARGV[i + 1])
  for field, value in pairs(record) do redis.call('HSET', KEYS[i], field, value) end
end
for i = n + 1, #KEYS do redis.call('HINCRBY', KEYS[i], ARGV[i + 1], 1) end
return false
"""

# KEYS[1]: container. ARGV[1]: expected fields, ARGV[2]: changes (JSON null deletes a field),
# ARGV[3]: the prefix of project counter keys. The script finds the project's counters itself, a
# round trip saved per decision; undeclared keys are fine on one Redis (not on Redis Cluster).
# The updated container's fields, or nil when the expectation failed.
_UPDATE = """
local project = redis.call('HGET', KEYS[1], 'project_id')
if not project then return false end
for field, value in pairs(cjson.decode(ARGV[1])) do
  if redis.call('HGET', KEYS[1], field) ~= value then return false end
end
local before = redis.call('HGET', KEYS[1], 'approval_status')
for field, value in pairs(cjson.decode(ARGV[2])) do
  if value == cjson.null then redis.call('HDEL', KEYS[1], field) else redis.call('HSET', KEYS[1], field, value) end
end
local after = redis.call('HGET', KEYS[1], 'approval_status')
if before ~= after then
  redis.call('HINCRBY', ARGV[3] .. project, before, -1)
  redis.call('HINCRBY', ARGV[3] .. project, after, 1)
end
return redis.call('HGETALL', KEYS[1])
"""

# KEYS[1]: faults. Returns the faults for this request, counting it against failCount.
_TAKE_FAULT = """
local raw = redis.call('GET', KEYS[1])
if not raw then return false end
local faults = cjson.decode(raw)
if faults.failWith and faults.failWith ~= cjson.null and faults.failCount and faults.failCount ~= cjson.null then
  if faults.failCount <= 1 then
    local left = cjson.decode(raw)
    left.failWith, left.failCount, left.retryAfter = nil, nil, nil
    if next(left) == nil then redis.call('DEL', KEYS[1]) else redis.call('SET', KEYS[1], cjson.encode(left)) end
  else
    local left = cjson.decode(raw)
    left.failCount = faults.failCount - 1
    redis.call('SET', KEYS[1], cjson.encode(left))
  end
end
return raw
"""


def _unavailable(method: Callable[..., T]) -> Callable[..., T]:
    """Redis down or slow → StoreUnavailable (503 in the envelope), never a hang or a 500."""

    @functools.wraps(method)
    def guarded(self: RedisStore, *args: Any, **kwargs: Any) -> T:
        try:
            return method(self, *args, **kwargs)
        except (redis.ConnectionError, redis.TimeoutError) as exc:
            raise StoreUnavailable(f"{self.url}: {exc}") from exc

    return guarded


def _encode(value: Any) -> str:
    if isinstance(value, tuple):
        return ",".join(value)
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


# Records are dataclasses or NamedTuples; both list their fields, with type names, in __annotations__.


def _fields(record: Any) -> dict[str, str]:
    values = ((name, getattr(record, name)) for name in type(record).__annotations__)
    return {name: _encode(value) for name, value in values if value is not None}


def _decode(cls: type[T], stored: dict[str, str]) -> T:
    values: dict[str, Any] = {}
    for name, kind in cls.__annotations__.items():
        kind = getattr(kind, "__forward_arg__", kind)  # NamedTuple keeps postponed annotations as ForwardRef
        raw = stored.get(name)
        if raw is None:
            continue
        if kind.startswith("tuple"):
            values[name] = tuple(s for s in raw.split(",") if s)
        elif kind == "bool":
            values[name] = raw == "1"
        elif kind.startswith("int"):
            values[name] = int(raw)
        else:
            values[name] = raw
    return cls(**values)


class RedisStore:
    def __init__(self, url: str, prefix: str = "layers-mock", journal_size: int = 1000) -> None:
        self.url, self.prefix, self._journal_size = url, prefix, journal_size
        self._redis = redis.Redis.from_url(url, decode_responses=True, socket_timeout=2, socket_connect_timeout=2,
                                           health_check_interval=30)
        self._add = self._redis.register_script(_ADD)
        self._update = self._redis.register_script(_UPDATE)
        self._take_fault = self._redis.register_script(_TAKE_FAULT)
        try:
            self._redis.ping()
        except redis.RedisError as exc:
            raise StoreUnavailable(f"cannot connect to Redis at {url}: {exc}") from exc

    def _k(self, *parts: str) -> str:
        return ":".join((self.prefix, *parts))

    def _key_record(self, secret: str) -> str:
        # Keys are looked up by a hash of the secret, so the secret itself is never a Redis key name.
        return self._k("key", hashlib.sha256(secret.encode()).hexdigest())

    @_unavailable
    def first_start(self) -> bool:
        return bool(self._redis.set(self._k("seeded"), "1", nx=True))

    @_unavailable
    def reset(self) -> None:
        for batch in _batches(self._redis.scan_iter(match=self._k("*"), count=1000), 500):
            self._redis.unlink(*batch)

    @_unavailable
    def add(
        self,
        orgs: Iterable[Org] = (),
        keys: Iterable[ApiKey] = (),
        projects: Iterable[Project] = (),
        containers: Iterable[Container] = (),
    ) -> None:
        containers = list(containers)
        records = [(self._k("org", o.id), o) for o in orgs]
        records += [(self._key_record(k.key), k) for k in keys]
        records += [(self._k("project", p.id), p) for p in projects]
        records += [(self._k("container", c.id), c) for c in containers]
        names = [name for name, _ in records]
        if len(set(names)) != len(names):
            raise DuplicateId("duplicate id in request")
        counters = [(self._k("counts", c.project_id), c.approval_status) for c in containers]
        taken = self._add(keys=names + [k for k, _ in counters],
                          args=[len(records), *(json.dumps(_fields(r)) for _, r in records), *(s for _, s in counters)])
        if taken:
            raise DuplicateId(taken.rsplit(":", 1)[-1])

    @_unavailable
    def key(self, secret: str) -> ApiKey | None:
        stored = self._redis.hgetall(self._key_record(secret))
        return _decode(ApiKey, stored) if stored else None

    @_unavailable
    def project(self, project_id: str) -> Project | None:
        stored = self._redis.hgetall(self._k("project", project_id))
        return _decode(Project, stored) if stored else None

    @_unavailable
    def container(self, container_id: str) -> Container | None:
        stored = self._redis.hgetall(self._k("container", container_id))
        return _decode(Container, stored) if stored else None

    @_unavailable
    def update_container(self, container_id: str, expect: dict[str, Any], changes: dict[str, Any]) -> Container | None:
        result = self._update(
            keys=[self._k("container", container_id)],
            args=[json.dumps({k: _encode(v) for k, v in expect.items()}) if expect else "{}",
                  json.dumps({k: None if v is None else _encode(v) for k, v in changes.items()}), self._k("counts", "")],
        )
        if not result:
            return None
        return _decode(Container, dict(zip(result[::2], result[1::2], strict=True)))

    @_unavailable
    def approval_counts(self, project_id: str) -> dict[str, int]:
        return {status: int(n) for status, n in self._redis.hgetall(self._k("counts", project_id)).items() if int(n)}

    @_unavailable
    def idempotency_claim(self, scope: str, fingerprint: str, ttl: int) -> IdempotencyRecord | None:
        name = self._k("idem", scope)
        for _ in range(3):  # the record may expire between SET NX failing and GET
            if self._redis.set(name, json.dumps({"fingerprint": fingerprint}), nx=True, ex=max(ttl, 1)):
                return None
            stored = self._redis.get(name)
            if stored is not None:
                return IdempotencyRecord(**json.loads(stored))
        return None

    @_unavailable
    def idempotency_save(self, scope: str, record: IdempotencyRecord, ttl: int) -> None:
        name = self._k("idem", scope)
        if ttl <= 0:
            self._redis.delete(name)
            return
        self._redis.set(name, json.dumps({"fingerprint": record.fingerprint, "status": record.status,
                                          "body": record.body, "request_id": record.request_id}), ex=ttl)

    @_unavailable
    def idempotency_release(self, scope: str) -> None:
        self._redis.delete(self._k("idem", scope))

    @_unavailable
    def log(self, entry: dict[str, Any]) -> None:
        pipe = self._redis.pipeline(transaction=False)
        pipe.lpush(self._k("journal"), json.dumps(entry))
        pipe.ltrim(self._k("journal"), 0, self._journal_size - 1)
        pipe.execute()

    @_unavailable
    def journal(self, limit: int) -> list[dict[str, Any]]:
        return [json.loads(e) for e in self._redis.lrange(self._k("journal"), 0, limit - 1)]

    @_unavailable
    def faults(self) -> dict[str, Any]:
        stored = self._redis.get(self._k("faults"))
        return json.loads(stored) if stored else {}

    @_unavailable
    def set_faults(self, faults: dict[str, Any]) -> None:
        if faults:
            self._redis.set(self._k("faults"), json.dumps(faults))
        else:
            self._redis.delete(self._k("faults"))

    @_unavailable
    def take_fault(self) -> dict[str, Any] | None:
        raw = self._take_fault(keys=[self._k("faults")])
        faults = json.loads(raw) if raw else {}
        return faults if faults.get("latencyMs") or faults.get("failWith") else None

    @_unavailable
    def count_hit(self, bucket: str, window_seconds: int) -> tuple[int, int]:
        now = int(time.time())
        window = now - now % window_seconds
        name = self._k("hits", bucket, str(window))
        pipe = self._redis.pipeline(transaction=False)
        pipe.incr(name)
        pipe.expire(name, window_seconds + 1)
        hits, _ = pipe.execute()
        return int(hits), window + window_seconds - now


def _batches(items: Iterable[T], size: int) -> Iterable[list[T]]:
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
