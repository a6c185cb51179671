//! DRAMsim3 address mapping: a 12-character string of six 2-letter fields (`ch`, `ra`, `bg`,
//! `ba`, `ro`, `co`), most significant first, applied to the byte address shifted right by
//! log2(request bytes). Column bits are log2(columns) − log2(BL): a request is one whole burst.

use crate::spec::DramSpec;

/// Decoded location of one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Location {
    pub channel: u32,
    pub rank: u32,
    pub bankgroup: u32,
    pub bank: u32,
    pub row: u32,
    pub column: u32,
}

#[derive(Debug, Clone, Copy)]
struct Field {
    pos: u32,
    mask: u64,
}

impl Field {
    #[inline]
    fn get(self, a: u64) -> u32 {
        ((a >> self.pos) & self.mask) as u32
    }
}

/// Precomputed shifts and masks of a mapping string.
#[derive(Debug, Clone)]
pub struct AddressMapping {
    shift: u32,
    ch: Field,
    ra: Field,
    bg: Field,
    ba: Field,
    ro: Field,
    co: Field,
}

fn log2(v: u64) -> u32 {
    63 - v.max(1).leading_zeros()
}

impl AddressMapping {
    /// Builds the mapping of `spec`; the error says what strings are allowed.
    pub fn new(spec: &DramSpec) -> Result<AddressMapping, String> {
        let o = &spec.organization;
        let s = spec.controller.address_mapping.as_str();
        let allowed = "12 characters: each of ch, ra, bg, ba, ro, co exactly once, most significant first (e.g. rochrababgco)";
        if s.len() != 12 || !s.is_ascii() {
            return Err(allowed.to_string());
        }
        let col_bits = log2(o.columns).checked_sub(log2(u64::from(o.burst_length)));
        let Some(col_bits) = col_bits else {
            return Err("burst_length larger than columns".to_string());
        };
        let width = |f: &str| -> Option<u32> {
            Some(match f {
                "ch" => log2(u64::from(o.channels)),
                "ra" => log2(u64::from(o.ranks)),
                "bg" => log2(u64::from(o.bankgroups)),
                "ba" => log2(u64::from(o.banks_per_group)),
                "ro" => log2(o.rows),
                "co" => col_bits,
                _ => return None,
            })
        };
        let mut fields: Vec<(String, Field)> = Vec::with_capacity(6);
        let mut pos = 0u32;
        // Least significant field is the last pair of the string.
        for i in (0..6).rev() {
            let name = &s[2 * i..2 * i + 2];
            let Some(w) = width(name) else {
                return Err(format!("unknown field `{name}`; {allowed}"));
            };
            if fields.iter().any(|(n, _)| n == name) {
                return Err(format!("field `{name}` appears twice; {allowed}"));
            }
            let mask = if w == 0 { 0 } else { (1u64 << w) - 1 };
            fields.push((name.to_string(), Field { pos, mask }));
            pos += w;
        }
        if pos > 58 {
            return Err("address wider than 64 bits".to_string());
        }
        let get = |n: &str| fields.iter().find(|(f, _)| f == n).map(|(_, f)| *f);
        let (Some(ch), Some(ra), Some(bg), Some(ba), Some(ro), Some(co)) = (
            get("ch"),
            get("ra"),
            get("bg"),
            get("ba"),
            get("ro"),
            get("co"),
        ) else {
            return Err(allowed.to_string());
        };
        Ok(AddressMapping {
            shift: log2(spec.request_bytes()),
            ch,
            ra,
            bg,
            ba,
            ro,
            co,
        })
    }

    /// Location of byte address `addr` (bits above the mapped width are ignored, as DRAMsim3
    /// does).
    #[inline]
    pub fn decode(&self, addr: u64) -> Location {
        let a = addr >> self.shift;
        Location {
            channel: self.ch.get(a),
            rank: self.ra.get(a),
            bankgroup: self.bg.get(a),
            bank: self.ba.get(a),
            row: self.ro.get(a),
            column: self.co.get(a),
        }
    }

    /// Channel of byte address `addr`.
    #[inline]
    pub fn channel(&self, addr: u64) -> u32 {
        self.ch.get(addr >> self.shift)
    }
}
