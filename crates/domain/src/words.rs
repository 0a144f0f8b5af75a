//! Enums kept in the database and shown in the API as fixed words (`past_due`, `purchase`):
//! one macro gives each its `as_str`, its `FromStr` and the list of its values, so a word is
//! spelled once and an unknown word is refused where it is read.

/// Declares an enum whose values are stored as words: `ALL`, `as_str` and `FromStr` (the
/// error names what was expected). Display stays with the enum, since some show a label.
macro_rules! word_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident ($what:literal) {
            $($(#[$vmeta:meta])* $variant:ident = $word:literal),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        $vis enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The word stored in the database and shown in the API.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $word),+
                }
            }
        }

        impl std::str::FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                match s {
                    $($word => Ok($name::$variant),)+
                    other => Err(format!("`{other}` is not a {}", $what)),
                }
            }
        }
    };
}

pub(crate) use word_enum;

/// Checks that every value of a word enum reads back from its word, and that the words differ.
#[cfg(test)]
pub(crate) fn assert_round_trip<T>(all: &[T], as_str: impl Fn(&T) -> &'static str)
where
    T: std::str::FromStr + PartialEq + std::fmt::Debug,
    T::Err: std::fmt::Debug,
{
    let mut seen = std::collections::HashSet::new();
    for value in all {
        let word = as_str(value);
        assert!(seen.insert(word), "`{word}` is used twice");
        assert_eq!(word.parse::<T>().ok().as_ref(), Some(value), "`{word}` reads back");
    }
    assert!("no such word".parse::<T>().is_err());
}
