//! Lining up two renderings of a page, line by line: which reference line each rendered
//! line is, so that the reference's labels carry over.

use std::collections::HashMap;
use std::ops::Range;

/// Windows up to this many cells (reference lines × rendered lines) left without
/// anchors are lined up by a full longest-common-subsequence table.
const LCS_CELLS: usize = 1 << 20;

/// For each rendered line, the index of the reference line with the same text, or
/// `None`; the indices increase.
///
/// Patience-style: equal prefixes and suffixes are matched, then the lines that occur
/// as often in both windows (once, or else the same number of times) anchor the
/// alignment through their longest increasing run, and the gaps between anchors are
/// lined up the same way; a gap with no anchors is solved exactly when small. Work is
/// about O(n log n) for pages of tens of thousands of lines, and nothing recurses.
pub fn align_lines(reference: &[&str], rendered: &[&str]) -> Vec<Option<usize>> {
    let mut out = vec![None; rendered.len()];
    let mut work = vec![(0..reference.len(), 0..rendered.len())];
    while let Some((a, b)) = work.pop() {
        let (mut a0, mut a1, mut b0, mut b1) = (a.start, a.end, b.start, b.end);
        while a0 < a1 && b0 < b1 && reference[a0] == rendered[b0] {
            out[b0] = Some(a0);
            a0 += 1;
            b0 += 1;
        }
        while a0 < a1 && b0 < b1 && reference[a1 - 1] == rendered[b1 - 1] {
            out[b1 - 1] = Some(a1 - 1);
            a1 -= 1;
            b1 -= 1;
        }
        if a0 == a1 || b0 == b1 {
            continue;
        }
        let anchors = anchors(reference, a0..a1, rendered, b0..b1);
        if anchors.is_empty() {
            if (a1 - a0) * (b1 - b0) <= LCS_CELLS {
                lcs(reference, a0..a1, rendered, b0..b1, &mut out);
            }
            continue;
        }
        let (mut pa, mut pb) = (a0, b0);
        for &(i, j) in &anchors {
            out[j] = Some(i);
            if pa < i && pb < j {
                work.push((pa..i, pb..j));
            }
            pa = i + 1;
            pb = j + 1;
        }
        if pa < a1 && pb < b1 {
            work.push((pa..a1, pb..b1));
        }
    }
    out
}

/// Pairs of (reference, rendered) indices that can anchor the windows, increasing in
/// both.
fn anchors(reference: &[&str], a: Range<usize>, rendered: &[&str], b: Range<usize>) -> Vec<(usize, usize)> {
    let mut seen: HashMap<&str, (Vec<usize>, Vec<usize>)> = HashMap::new();
    for i in a {
        seen.entry(reference[i]).or_default().0.push(i);
    }
    for j in b {
        if let Some(e) = seen.get_mut(rendered[j]) {
            e.1.push(j);
        }
    }
    for unique in [true, false] {
        let mut pairs: Vec<(usize, usize)> = seen
            .values()
            .filter(|(x, y)| x.len() == y.len() && (!unique || x.len() == 1))
            .flat_map(|(x, y)| x.iter().copied().zip(y.iter().copied()))
            .collect();
        if !pairs.is_empty() {
            pairs.sort_unstable_by_key(|&(_, j)| j);
            return increasing(&pairs);
        }
    }
    Vec::new()
}

/// The longest run of `pairs` (sorted by rendered index) whose reference indices
/// increase too.
fn increasing(pairs: &[(usize, usize)]) -> Vec<(usize, usize)> {
    // tails[k]: index in pairs of the smallest end of an increasing run of length k + 1.
    let mut tails: Vec<usize> = Vec::new();
    let mut prev = vec![usize::MAX; pairs.len()];
    for (n, &(i, _)) in pairs.iter().enumerate() {
        let k = tails.partition_point(|&t| pairs[t].0 < i);
        if k > 0 {
            prev[n] = tails[k - 1];
        }
        if k == tails.len() {
            tails.push(n);
        } else {
            tails[k] = n;
        }
    }
    let mut run = Vec::with_capacity(tails.len());
    let mut n = tails.last().copied().unwrap_or(usize::MAX);
    while n != usize::MAX {
        run.push(pairs[n]);
        n = prev[n];
    }
    run.reverse();
    run
}

/// An exact longest common subsequence of two small windows.
fn lcs(reference: &[&str], a: Range<usize>, rendered: &[&str], b: Range<usize>, out: &mut [Option<usize>]) {
    let (n, m) = (a.len(), b.len());
    let w = m + 1;
    let mut t = vec![0u32; (n + 1) * w];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            t[i * w + j] = if reference[a.start + i] == rendered[b.start + j] {
                t[(i + 1) * w + j + 1] + 1
            } else {
                t[(i + 1) * w + j].max(t[i * w + j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    while i < n && j < m {
        if reference[a.start + i] == rendered[b.start + j] {
            out[b.start + j] = Some(a.start + i);
            i += 1;
            j += 1;
        } else if t[(i + 1) * w + j] >= t[i * w + j + 1] {
            i += 1;
        } else {
            j += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_inserted_line_shifts_nothing() {
        let r = ["a", "b", "c", "d"];
        let x = ["a", "b", "new", "c", "d"];
        assert_eq!(align_lines(&r, &x), vec![Some(0), Some(1), None, Some(2), Some(3)]);
    }

    #[test]
    fn repeated_lines_and_changes() {
        let r = ["Home", "", "Title", "", "Share", "text one", "Share", "", "Home"];
        let x = ["Home", "Title", "", "Share", "text 1", "Share", "", "Home", "extra"];
        let got = align_lines(&r, &x);
        assert_eq!(got, vec![Some(0), Some(2), Some(3), Some(4), None, Some(6), Some(7), Some(8), None]);
        // Increasing, and each a line of the same text.
        let idx: Vec<usize> = got.iter().flatten().copied().collect();
        assert!(idx.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn large_pages_stay_fast() {
        let r: Vec<String> = (0..50_000).map(|i| format!("line {}", i % 7000)).collect();
        let x: Vec<String> = (0..50_000).map(|i| format!("line {}", (i + 3) % 7000)).collect();
        let r: Vec<&str> = r.iter().map(String::as_str).collect();
        let x: Vec<&str> = x.iter().map(String::as_str).collect();
        let got = align_lines(&r, &x);
        assert!(got.iter().flatten().count() > 40_000);
        assert!(align_lines(&[], &x).iter().all(Option::is_none));
        assert!(align_lines(&r, &[]).is_empty());
    }
}
