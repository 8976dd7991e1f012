#!/usr/bin/env python3
"""exports.py LIB HEADER - libmediac exports exactly the functions that
mediac.h declares: nothing internal leaks, and nothing declared is missing.
Reads the dynamic symbol table with nm -D (binutils)."""
import re
import subprocess
import sys

lib, header = sys.argv[1], sys.argv[2]
text = open(header).read()
text = re.sub(r'/\*.*?\*/', '', text, flags=re.S)
declared = set(re.findall(r'\b(mc_[a-z0-9_]+)\s*\(', text)) - {'mc_code'}
out = subprocess.run(['nm', '-D', '--defined-only', lib], capture_output=True, text=True,
                     check=True).stdout
exported = set()
for line in out.splitlines():
    parts = line.split()
    if len(parts) == 3 and parts[1] in 'TtWiDdBbRr' and parts[1] in 'TWiDBR':
        exported.add(parts[2].split('@')[0])
leaked = sorted(exported - declared)
missing = sorted(declared - exported)
if leaked:
    print('exported but not in mediac.h:', ' '.join(leaked))
if missing:
    print('declared in mediac.h but not exported:', ' '.join(missing))
print(f'{len(exported)} exported, {len(declared)} declared')
sys.exit(1 if leaked or missing else 0)
