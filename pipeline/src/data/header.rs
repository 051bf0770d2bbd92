//! The image size declared in a PNG or JPEG header, read before decoding so
//! that a corrupt or hostile header cannot make the decoder allocate
//! gigabytes, and so that formats other than PNG and JPEG never reach
//! OpenCV's other decoders.

/// Largest width or height accepted.
pub const MAX_SIDE: u32 = 8192;

const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

/// Checks that `bytes` start like a PNG or JPEG whose declared size is at
/// most [`MAX_SIDE`] a side; returns that size as (width, height).
pub fn check(bytes: &[u8]) -> Result<(u32, u32), String> {
    let (w, h) = if bytes.starts_with(PNG_SIGNATURE) {
        png_size(bytes).ok_or("not a readable image (truncated PNG header)")?
    } else if bytes.starts_with(&[0xff, 0xd8, 0xff]) {
        jpeg_size(bytes).ok_or("not a readable image (JPEG without a frame header)")?
    } else {
        return Err("not a readable image (neither PNG nor JPEG)".into());
    };
    if w == 0 || h == 0 || w > MAX_SIDE || h > MAX_SIDE {
        return Err(format!(
            "header declares {w}x{h}, outside 1..={MAX_SIDE} a side"
        ));
    }
    Ok((w, h))
}

fn be16(bytes: &[u8], at: usize) -> Option<u32> {
    let b = bytes.get(at..at + 2)?;
    Some(u32::from(u16::from_be_bytes([b[0], b[1]])))
}

fn be32(bytes: &[u8], at: usize) -> Option<u32> {
    let b = bytes.get(at..at + 4)?;
    Some(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
}

/// IHDR follows the signature: length, "IHDR", width, height.
fn png_size(bytes: &[u8]) -> Option<(u32, u32)> {
    (bytes.get(12..16)? == b"IHDR").then_some(())?;
    Some((be32(bytes, 16)?, be32(bytes, 20)?))
}

/// Walks the marker segments to the first start-of-frame (SOF0–SOF15 but
/// DHT, JPG and DAC), which holds height then width.
fn jpeg_size(bytes: &[u8]) -> Option<(u32, u32)> {
    let mut at = 2;
    loop {
        if *bytes.get(at)? != 0xff {
            return None;
        }
        let marker = *bytes.get(at + 1)?;
        match marker {
            0xff => at += 1,
            0x01 | 0xd0..=0xd7 => at += 2,
            0xc0..=0xcf if ![0xc4, 0xc8, 0xcc].contains(&marker) => {
                return Some((be16(bytes, at + 7)?, be16(bytes, at + 5)?));
            }
            0xd9 | 0xda => return None,
            _ => at += 2 + be16(bytes, at + 2)? as usize,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png_header(w: u32, h: u32) -> Vec<u8> {
        let mut b = PNG_SIGNATURE.to_vec();
        b.extend([0, 0, 0, 13]);
        b.extend(b"IHDR");
        b.extend(w.to_be_bytes());
        b.extend(h.to_be_bytes());
        b
    }

    #[test]
    fn reads_png_sizes_and_refuses_huge_ones() {
        assert_eq!(check(&png_header(224, 200)), Ok((224, 200)));
        assert!(check(&png_header(100_000, 10))
            .unwrap_err()
            .contains("100000x10"));
        assert!(check(&png_header(0, 10)).is_err());
        assert!(check(&png_header(224, 224)[..20]).is_err());
    }

    #[test]
    fn reads_jpeg_sizes_past_other_segments() {
        // SOI, APP0 of length 4, SOF0: length, precision, height 300, width 200.
        let jpeg = [
            0xff, 0xd8, 0xff, 0xe0, 0, 4, 0, 0, 0xff, 0xc0, 0, 11, 8, 1, 44, 0, 200, 1,
        ];
        assert_eq!(check(&jpeg), Ok((200, 300)));
        assert!(check(&jpeg[..14]).is_err());
        assert!(check(b"BM\0\0 a bitmap")
            .unwrap_err()
            .contains("neither PNG nor JPEG"));
    }
}
