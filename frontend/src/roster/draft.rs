//! The roster of seed Figure 3 before the call: the people to call, each
//! with the number chosen from their location drop-down. Filled by typing
//! names (resolved against the address books), by the address-book picker,
//! or by "Conference everyone" on an e-mail; turned into the participants
//! of one `CreateConference`. Pure state, host-tested.

use rollcall_shared::directory::{fold, Person, Phone};
use rollcall_shared::soap::{Alternative, Location, Party};

/// One person on the draft roster and the number they will be called at
/// (`None` when they have no number: shown, but not called).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub person: Person,
    pub number: Option<String>,
}

impl Member {
    pub fn new(person: Person) -> Self {
        let number = person.phones.first().map(|p| p.number.clone());
        Member { person, number }
    }

    /// The chosen number with its location label.
    pub fn phone(&self) -> Option<&Phone> {
        let number = self.number.as_deref()?;
        self.person.phones.iter().find(|p| p.number == number)
    }

    /// The participant to dial, when there is a number.
    pub fn party(&self) -> Option<Party> {
        self.phone().map(|phone| party(&self.person, phone))
    }
}

/// A phone number as typed, without the spaces, dashes and brackets people
/// write numbers with: "+1 (425) 555-0100" → "+14255550100". Whether the
/// rest is E.164 is for the caller (or the server) to judge.
pub fn clean_phone(typed: &str) -> String {
    typed.trim().chars().filter(|c| !matches!(c, ' ' | '-' | '(' | ')' | '.')).collect()
}

/// The SOAP party for `person` at `phone`, with their other numbers as
/// fallbacks in the order of their location drop-down (docs/protocol.md §6:
/// busy at work, the mobile is tried at once).
pub fn party(person: &Person, phone: &Phone) -> Party {
    let alternatives = person
        .phones
        .iter()
        .filter(|p| p.number != phone.number)
        .map(|p| Alternative { phone: p.number.clone(), location: p.location })
        .collect();
    Party {
        alternatives,
        name: person.name.clone(),
        phone: phone.number.clone(),
        location: phone.location,
        email: person.emails.first().cloned(),
    }
}

/// A person made of a typed number alone (nobody in the books has it).
pub fn person_at(number: &str) -> Person {
    Person {
        name: number.to_string(),
        also_known_as: Vec::new(),
        emails: Vec::new(),
        phones: vec![Phone { number: number.to_string(), location: Location::Other }],
        sources: Vec::new(),
        user: None,
    }
}

/// Whether two people are one: a shared e-mail, a name that folds the
/// same, or (for people known only by a number) the same number.
pub fn same_person(a: &Person, b: &Person) -> bool {
    let shared_email = a.emails.iter().any(|x| b.emails.iter().any(|y| x.eq_ignore_ascii_case(y)));
    let known = |p: &Person| !p.sources.is_empty() || !p.emails.is_empty();
    let same_number_only = !known(a) && !known(b) && a.phones.iter().any(|x| b.phones.iter().any(|y| x.number == y.number));
    shared_email || fold(&a.name) == fold(&b.name) || same_number_only
}

/// The draft roster.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Draft {
    pub members: Vec<Member>,
}

impl Draft {
    /// Adds `person` unless they are on the roster already; whether added.
    pub fn add(&mut self, person: Person) -> bool {
        if self.members.iter().any(|m| same_person(&m.person, &person)) {
            return false;
        }
        self.members.push(Member::new(person));
        true
    }

    /// Replaces the roster with `people` (e.g. everyone on an e-mail).
    pub fn replace(&mut self, people: Vec<Person>) {
        self.members.clear();
        for person in people {
            self.add(person);
        }
    }

    pub fn remove(&mut self, index: usize) {
        if index < self.members.len() {
            self.members.remove(index);
        }
    }

    /// Picks one of member `index`'s own numbers.
    pub fn choose(&mut self, index: usize, number: &str) {
        if let Some(m) = self.members.get_mut(index) {
            if m.person.phones.iter().any(|p| p.number == number) {
                m.number = Some(number.to_string());
            }
        }
    }

    /// The participants to dial: everyone with a number.
    pub fn parties(&self) -> Vec<Party> {
        self.members.iter().filter_map(Member::party).collect()
    }

    /// The people who will not be called, for lack of a number.
    pub fn without_number(&self) -> Vec<&str> {
        self.members.iter().filter(|m| m.number.is_none()).map(|m| m.person.name.as_str()).collect()
    }
}

/// The person among `people` who has `number`, if any (to show a live
/// participant's presence and other numbers).
pub fn who_has<'a>(people: &'a [Person], number: &str) -> Option<&'a Person> {
    people.iter().find(|p| p.phones.iter().any(|ph| ph.number == number))
}

/// "mobile · +14255550142".
pub fn phone_label(phone: &Phone) -> String {
    format!("{} · {}", phone.location.as_str(), phone.number)
}

/// Short labels for a narrow drop-down of one person's numbers: the
/// location alone ("mobile"), with the last four digits where two numbers
/// share a location ("work …0143").
pub fn short_labels(phones: &[Phone]) -> Vec<String> {
    phones
        .iter()
        .map(|p| {
            let shared = phones.iter().filter(|q| q.location == p.location).count() > 1;
            let tail = &p.number[p.number.len().saturating_sub(4)..];
            if shared {
                format!("{} …{tail}", p.location.as_str())
            } else {
                p.location.as_str().to_string()
            }
        })
        .collect()
}

#[cfg(test)]
mod tests;
