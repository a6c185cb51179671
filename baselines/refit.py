#!/usr/bin/env python3
"""Refits the shipped device presets on baselines/*.csv with `cimsim baseline fit` and writes
the fitted values into sim/presets/devices/*.toml, keeping their comments. The orin-nano's
power (no measurement) is the Super's fitted chip power model at the orin-nano's reference
clock. Run from the repository root after `cargo build --release`."""
import re, subprocess, tomllib

KEYS = {"decode": ["per_token_kcycles", "per_layer_kcycles", "bandwidth_efficiency"],
        "power": ["chip_static_w", "chip_clocked_w_at_ref", "chip_nj_per_byte_at_ref",
                  "clock_exponent"]}

def fit(dev):
    out = f"/tmp/cimsim-refit-{dev}.toml"
    subprocess.run(["./target/release/cimsim", "baseline", "fit", dev,
                    f"baselines/{dev}.csv", "-o", out], check=True, stdout=subprocess.DEVNULL)
    return tomllib.load(open(out, "rb"))

def write(dev, values):
    path = f"sim/presets/devices/{dev}.toml"
    text = open(path).read()
    for section, keys in values.items():
        head = text.index(f"[{section}]")
        end = text.find("\n[", head + 1)
        end = len(text) if end < 0 else end
        body = text[head:end]
        for k, v in keys.items():
            body = re.sub(rf"(?m)^{k} = .*$", f"{k} = {v!r}", body)
        text = text[:head] + body + text[end:]
    open(path, "w").write(text)

fits = {d: fit(d) for d in ["orin-nano-super", "orin-nano", "sa8255p"]}
for d, f in fits.items():
    values = {"decode": {k: f["decode"][k] for k in KEYS["decode"]}}
    if d == "orin-nano-super":
        values["power"] = {k: f["power"][k] for k in KEYS["power"]}
    write(d, values)
sp = fits["orin-nano-super"]["power"]
nano_ref = tomllib.load(open("sim/presets/devices/orin-nano.toml", "rb"))["power"]["reference_clock_mhz"]
scale = (nano_ref / sp["reference_clock_mhz"]) ** sp["clock_exponent"]
write("orin-nano", {"power": {"chip_static_w": sp["chip_static_w"],
                              "chip_clocked_w_at_ref": sp["chip_clocked_w_at_ref"] * scale,
                              "chip_nj_per_byte_at_ref": sp["chip_nj_per_byte_at_ref"] * scale,
                              "clock_exponent": sp["clock_exponent"]}})
