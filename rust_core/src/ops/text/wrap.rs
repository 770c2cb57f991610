//! Word wrap as Cantaloupe's `StringUtils.wrap` does it (Jim Menard's `wrapLineInto`): each line
//! that is too wide is cut near where its width says the room ends, at a space or a hyphen
//! before or after that guess, else in the middle of the word.

/// `text` split at "\n" or "\r\n" and each line wrapped to `max_width` pixels; None when
/// `max_width` is negative (Java fails there) or the lines would be more than `max_lines`.
///
/// Kept from Cantaloupe: empty lines vanish and a line of spaces that fits is kept; the width is measured on the whole remaining line and the
/// cut guessed as `length × max_width / width`; a space or hyphen at or after the guess is taken
/// if the line up to it fits, else one at or before it; the pieces are trimmed of characters up
/// to U+0020 as Java's `trim` does, so a hyphen begins the next line; a piece may be wider than
/// `max_width` (a word cut at the guess, or up to a break before it). Changed: where Cantaloupe
/// would cut at the very start of a line it has already trimmed, and so add empty lines
/// forever, the cut is at the guess, and at least one character goes on each line; a blank
/// last line is dropped, as Cantaloupe means to (its fixed-size `Arrays.asList` throws
/// instead); lengths count characters, not Java's UTF-16 units.
/// `advance` is a character's advance in font units; `width` is the whole-pixel width of glyphs
/// advancing that many units, so many of which advance the pen.
pub(super) fn wrap(
    text: &str,
    advance: impl Fn(char) -> f64,
    width: impl Fn(f64, usize) -> f64,
    max_width: i64,
    max_lines: usize,
) -> Option<Vec<String>> {
    if max_width < 0 {
        return None;
    }
    let mut lines: Vec<&str> = text.split('\n').map(|line| line.strip_suffix('\r').unwrap_or(line)).collect();
    // Java's `split` drops the trailing empty strings, then Cantaloupe a blank last line.
    while lines.last() == Some(&"") {
        lines.pop();
    }
    if lines.last().is_some_and(|line| line.chars().all(java_whitespace)) {
        lines.pop();
    }
    let mut wrapped = Vec::new();
    for line in lines {
        let runs = Runs::new(line, &advance);
        let width = |(a, b): (usize, usize)| runs.width(a, b, &width) as i64;
        let (mut a, mut b) = (0, runs.chars.len());
        let mut push = |piece: (usize, usize)| {
            wrapped.push(runs.chars[piece.0..piece.1].iter().collect::<String>());
            wrapped.len() <= max_lines
        };
        while a < b {
            let line_width = width((a, b));
            if line_width <= max_width {
                break;
            }
            let len = b - a;
            // Below `len`, because the line is wider than the room.
            let guess = (len as i64 * max_width / line_width) as usize;
            let pos = if width(runs.trim(a, a + guess)) > max_width {
                runs.break_before(a, a + guess)
            } else {
                match runs.break_after(a + guess, b) {
                    Some(after) if width(runs.trim(a, after)) > max_width => runs.break_before(a, a + guess),
                    after => after,
                }
            };
            let mut pos = pos.unwrap_or(a + guess);
            if pos == a && runs.trim(a, b) == (a, b) {
                pos = a + guess.max(1);
            }
            if !push(runs.trim(a, pos)) {
                return None;
            }
            (a, b) = runs.trim(pos, b);
        }
        if a < b && !push((a, b)) {
            return None;
        }
    }
    Some(wrapped)
}

/// One line's characters with running sums of their advances, so that measuring any run of it
/// costs two look-ups, and where its nearest breaks are.
struct Runs {
    chars: Vec<char>,
    /// `advance[i]`: the advances of the first `i` characters, in font units.
    advance: Vec<f64>,
    /// `tracked[i]`: how many of the first `i` characters advance the pen.
    tracked: Vec<usize>,
    /// For each index, the nearest break at or before it.
    before: Vec<Option<usize>>,
    /// For each index, the nearest break at or after it.
    after: Vec<Option<usize>>,
}

impl Runs {
    fn new(line: &str, advance: impl Fn(char) -> f64) -> Runs {
        let chars: Vec<char> = line.chars().collect();
        let (mut sums, mut tracked) = (vec![0.0], vec![0]);
        for &c in &chars {
            let a = advance(c);
            sums.push(sums.last().unwrap() + a);
            tracked.push(tracked.last().unwrap() + usize::from(a != 0.0));
        }
        let is_break = |c: char| java_whitespace(c) || c == '-';
        let mut before = Vec::with_capacity(chars.len());
        let mut last = None;
        for (i, &c) in chars.iter().enumerate() {
            last = if is_break(c) { Some(i) } else { last };
            before.push(last);
        }
        let mut after = vec![None; chars.len()];
        let mut next = None;
        for (i, &c) in chars.iter().enumerate().rev() {
            next = if is_break(c) { Some(i) } else { next };
            after[i] = next;
        }
        Runs { chars, advance: sums, tracked, before, after }
    }

    fn width(&self, a: usize, b: usize, width: impl Fn(f64, usize) -> f64) -> f64 {
        width(self.advance[b] - self.advance[a], self.tracked[b] - self.tracked[a])
    }

    /// Cantaloupe's `findBreakBefore` on the line `a..`: the last space or hyphen in `a..=at`.
    fn break_before(&self, a: usize, at: usize) -> Option<usize> {
        self.before[at].filter(|&i| i >= a)
    }

    /// Cantaloupe's `findBreakAfter` on the line `..b`: the first space or hyphen in `at..b`.
    fn break_after(&self, at: usize, b: usize) -> Option<usize> {
        self.after.get(at).copied().flatten().filter(|&i| i < b)
    }

    /// Java's `String.trim` of `a..b`: characters up to U+0020 taken off both ends.
    fn trim(&self, mut a: usize, mut b: usize) -> (usize, usize) {
        while a < b && self.chars[a] <= ' ' {
            a += 1;
        }
        while b > a && self.chars[b - 1] <= ' ' {
            b -= 1;
        }
        (a, b)
    }
}

/// Java's `Character.isWhitespace`: space, line and paragraph separators other than the
/// no-break ones, and the ASCII controls tab to carriage return and the four separators.
fn java_whitespace(c: char) -> bool {
    matches!(c,
        '\t'..='\r' | '\u{1C}'..='\u{20}' | '\u{1680}' | '\u{2000}'..='\u{2006}' | '\u{2008}'..='\u{200A}'
        | '\u{2028}' | '\u{2029}' | '\u{205F}' | '\u{3000}')
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every character 10 units and a pixel per unit: widths are 10 per character.
    fn wrap10(text: &str, max_width: i64) -> Option<Vec<String>> {
        wrap(text, |_| 10.0, |advance, _| advance, max_width, usize::MAX)
    }

    #[test]
    fn lines_are_cut_at_the_space_nearest_the_guess() {
        // 23 characters, 230 wide in 100: the guess is 10, the first space at or after it 11.
        assert_eq!(wrap10("the quick brown fox ran", 100).unwrap(), ["the quick", "brown fox", "ran"]);
        // The guess is 15, a space, and the line up to it fits.
        assert_eq!(wrap10("the quick brown fox ran", 150).unwrap(), ["the quick brown", "fox ran"]);
        assert_eq!(wrap10("short", 50).unwrap(), ["short"]);
    }

    #[test]
    fn a_hyphen_is_a_break_and_begins_the_next_line() {
        assert_eq!(wrap10("well-known-words", 100).unwrap(), ["well-known", "-words"]);
    }

    #[test]
    fn a_word_longer_than_the_width_is_cut_at_the_guess() {
        // 26 wide in 10: the guess is 26 × 100 / 260 = 10 characters.
        assert_eq!(wrap10("abcdefghijklmnopqrstuvwxyz", 100).unwrap(), ["abcdefghij", "klmnopqrst", "uvwxyz"]);
        // Wider characters first: the guess is taken though the piece is wider than the room.
        let wide_first = |c: char| if c == 'W' { 30.0 } else { 5.0 };
        let lines = wrap("WWWWiiiiiiii", wide_first, |a, _| a, 50, usize::MAX).unwrap();
        assert_eq!(lines, ["WWW", "Wiiiii", "iii"]);
    }

    #[test]
    fn existing_newlines_start_lines_and_empty_ones_vanish() {
        assert_eq!(wrap10("ab\r\ncd\n\nef\n\n", 100).unwrap(), ["ab", "cd", "ef"]);
        assert_eq!(wrap10("ab\n   \ncd", 100).unwrap(), ["ab", "   ", "cd"], "a line of spaces that fits stays");
        assert_eq!(wrap10("ab\ncd\n \t ", 100).unwrap(), ["ab", "cd"], "a blank last line goes");
        assert_eq!(wrap10("  lead", 100).unwrap(), ["  lead"], "a line that fits is not trimmed");
        assert!(wrap10("\n\n", 100).unwrap().is_empty());
    }

    #[test]
    fn every_line_takes_at_least_one_character() {
        // Cantaloupe adds empty lines forever in each: the guess is 0, or "-Wii" is too wide and
        // the only break before the guess is the line's first character.
        assert_eq!(wrap10("abc", 5).unwrap(), ["a", "b", "c"]);
        assert_eq!(wrap10("abc", 0).unwrap(), ["a", "b", "c"]);
        let wide_w = |c: char| if c == 'W' { 30.0 } else { 5.0 };
        assert_eq!(wrap("-Wiiiiiiiiii", wide_w, |a, _| a, 30, usize::MAX).unwrap(), ["-Wii", "iiiiii", "ii"]);
        assert_eq!(wrap10("abc", -1), None);
    }

    #[test]
    fn it_stops_once_the_lines_are_too_many() {
        let text = "word ".repeat(100_000);
        assert_eq!(wrap(&text, |_| 10.0, |a, _| a, 40, 3), None);
        assert_eq!(wrap("a b c", |_| 10.0, |a, _| a, 10, 3).unwrap(), ["a", "b", "c"]);
        assert_eq!(wrap("a b c d", |_| 10.0, |a, _| a, 10, 3), None);
    }

    /// Cantaloupe's `wrapLineInto` as written, measuring each string afresh; None where it adds
    /// empty lines forever.
    fn cantaloupe(line: &str, width: &dyn Fn(&[char]) -> i64, max: i64) -> Option<Vec<String>> {
        let trim = |s: &[char]| -> Vec<char> {
            let a = s.iter().position(|&c| c > ' ').unwrap_or(s.len());
            let b = s.iter().rposition(|&c| c > ' ').map_or(a, |b| b + 1);
            s[a..b].to_vec()
        };
        let is_break = |c: char| java_whitespace(c) || c == '-';
        let mut line: Vec<char> = line.chars().collect();
        let mut list = Vec::new();
        while !line.is_empty() && width(&line) > max {
            // A line of at most 40 characters that progresses wraps to at most 40 lines.
            if list.len() > 40 {
                return None;
            }
            let guess = (line.len() as i64 * max / width(&line)) as usize;
            let before_guess = || (0..=guess).rev().find(|&i| is_break(line[i]));
            let pos = if width(&trim(&line[..guess])) > max {
                before_guess()
            } else {
                match (guess..line.len()).find(|&i| is_break(line[i])) {
                    Some(after) if width(&trim(&line[..after])) > max => before_guess(),
                    after => after,
                }
            }
            .unwrap_or(guess);
            list.push(trim(&line[..pos]).iter().collect::<String>());
            line = trim(&line[pos..]);
        }
        if !line.is_empty() {
            list.push(line.iter().collect());
        }
        Some(list)
    }

    #[test]
    fn running_sums_wrap_as_measuring_each_string_does() {
        let advance = |c: char| match c {
            'W' => 31.0,
            'i' => 6.0,
            '-' => 9.0,
            ' ' | '\u{2003}' => 8.0,
            '\u{301}' => 0.0,
            _ => 14.0,
        };
        // Tracking of 2 after each character that advances, as `string_width` adds it.
        let width = |units: f64, tracked: usize| units + 2.0 * tracked as f64;
        let measure = |s: &[char]| {
            width(s.iter().map(|&c| advance(c)).sum(), s.iter().filter(|&&c| advance(c) != 0.0).count()) as i64
        };
        let alphabet = ['a', 'W', 'i', '-', ' ', ' ', '\t', '\u{2003}', '\u{301}', 'e'];
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let mut compared = 0;
        for _ in 0..3000 {
            let len = (next() % 40) as usize;
            let line: String = (0..len).map(|_| alphabet[(next() % alphabet.len() as u64) as usize]).collect();
            let max = (next() % 150) as i64;
            let Some(expected) = cantaloupe(&line, &measure, max) else { continue };
            let expected: Vec<String> = if line.chars().all(java_whitespace) { Vec::new() } else { expected };
            assert_eq!(wrap(&line, advance, width, max, usize::MAX).unwrap(), expected, "{line:?} in {max}");
            compared += usize::from(expected.len() > 2);
        }
        assert!(compared > 1000, "{compared} lines wrapped more than twice");
    }

    #[test]
    fn javas_whitespace_is_not_unicodes() {
        assert!(java_whitespace(' ') && java_whitespace('\u{2003}') && java_whitespace('\u{1F}'));
        assert!(!java_whitespace('\u{A0}') && !java_whitespace('\u{202F}') && !java_whitespace('\u{85}'));
    }
}
