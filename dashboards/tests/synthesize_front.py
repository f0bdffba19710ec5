#!/usr/bin/env python3
"""Adds N synthetic measured candidates to a tuner database, for the 1,000-candidate load figure of
the dashboard (dashboards/tests/browser_1000.mjs). Synthetic, and marked so: the schedule hashes are
"synthetic-NNNNNN", the agent is "synthetic"; each reuses the schedule of a real candidate (so the
planner gives it a real arena peak) with random cycles (seeded) and the energy of those cycles on
the board (its clock and active power) within +-5 %.

usage: synthesize_front.py DB N [SOURCE]   (SOURCE: emulated, the default, or measured)"""
import json
import random
import sqlite3
import sys

db, n = sys.argv[1], int(sys.argv[2])
source = sys.argv[3] if len(sys.argv) > 3 else "emulated"
backend = {"emulated": "iss", "measured": "openocd"}[source]
c = sqlite3.connect(db)
model_id, board_id, profile = c.execute(
    "SELECT c.model_id, c.board_id, b.profile_json FROM candidates c JOIN boards b ON b.id = c.board_id LIMIT 1").fetchone()
board = json.loads(profile)
schedules = [r[0] for r in c.execute("SELECT schedule_json FROM candidates WHERE model_id = ? AND board_id = ?",
                                     (model_id, board_id))]
rng = random.Random(1000)
uj_per_cycle = board["active_mw"] * 1e3 / board["clock_hz"]
with c:
    first = c.execute("SELECT COUNT(*) FROM candidates WHERE schedule_hash LIKE 'synthetic-%'").fetchone()[0]
    for i in range(first, first + n):
        cur = c.execute("INSERT INTO candidates(model_id, board_id, schedule_hash, schedule_json) VALUES (?, ?, ?, ?)",
                        (model_id, board_id, f"synthetic-{i:06d}", schedules[i % len(schedules)]))
        cycles = rng.randint(12_000_000, 60_000_000)
        energy = cycles * uj_per_cycle * rng.uniform(0.95, 1.05)
        c.execute("""INSERT INTO measurements(candidate_id, build_id, agent, backend, board, board_serial, status, error,
                     cycles_median, cycles_json, cycles_source, instructions, stack_peak_bytes, arena_peak_bytes, energy_uj,
                     energy_source, output_crc32, output_ok, fault_pc, image_hash, agent_version, wall_time_ms)
                     VALUES (?, NULL, 'synthetic', ?, ?, '', 'OK', '', ?, ?, ?, 0, 0, 0, ?, 'modeled', 0, 1,
                     NULL, '', 'synthetic', 0)""",
                  (cur.lastrowid, backend, board["name"], cycles, json.dumps([cycles]), source, energy))
print(f"{n} synthetic {source} candidates added to {db}")
