#!/usr/bin/env python3
"""Generates Sources/X86/ExitReason.swift from the SDM reference table exit-reasons.tsv.

Usage: scripts/gen-exit-reasons.py PATH/TO/exit-reasons.tsv > Sources/X86/ExitReason.swift
"""
import re
import sys

rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if not l.startswith("#")][1:]
names = []
for number, linux, meaning in (r[:3] for r in rows):
    base = linux.replace("EXIT_REASON_", "").lower() if linux != "-" else re.sub(r"[^a-z0-9]+", "_", meaning.lower()).strip("_")
    parts = base.split("_")
    ident = parts[0] + "".join(p.capitalize() for p in parts[1:])
    names.append((int(number), "r" + ident if ident[0].isdigit() else ident, meaning))
out = [
    '/// Basic VM-exit reasons (SDM vol. 3, appendix C "VMX Basic Exit Reasons").',
    "///",
    "/// Generated from the reference table exit-reasons.tsv by scripts/gen-exit-reasons.py; edit that, not this.",
    "public enum ExitReason {",
]
for n, i, m in names:
    out.append(f"    /// {m}.\n    public static let {i}: UInt16 = {n}")
out += ["", "    /// The SDM name of a basic exit reason.", "    public static func name(of reason: UInt16) -> String {", "        switch reason {"]
out += [f'        case {n}: return "{m}"' for n, _, m in names]
out += ['        default: return "reason \\(reason)"', "        }", "    }", "}", ""]
print("\n".join(out), end="")
