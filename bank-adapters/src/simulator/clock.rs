//! The simulated bank's clock: the system clock plus an offset a test may move, and the days a
//! test declared closed.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Mutex;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime, TimeDelta, Utc};

use crate::compact_time::gmt7;

pub(crate) struct Clock {
    offset_ms: AtomicI64,
    closed: Mutex<BTreeSet<NaiveDate>>,
}

impl Clock {
    pub(crate) fn new(offset: TimeDelta) -> Clock {
        Clock {
            offset_ms: AtomicI64::new(offset.num_milliseconds()),
            closed: Mutex::default(),
        }
    }

    /// Now, as GMT+7 wall-clock time: every bank in the specs speaks GMT+7.
    pub(crate) fn now(&self) -> DateTime<FixedOffset> {
        let offset = TimeDelta::milliseconds(self.offset_ms.load(Ordering::Relaxed));
        (Utc::now() + offset).with_timezone(&gmt7())
    }

    pub(crate) fn now_unix(&self) -> i64 {
        self.now().timestamp()
    }

    pub(crate) fn set_offset(&self, offset: TimeDelta) {
        self.offset_ms
            .store(offset.num_milliseconds(), Ordering::Relaxed);
    }

    pub(crate) fn close_day(&self, day: NaiveDate) {
        self.closed.lock().expect("clock lock").insert(day);
    }

    /// vcb.md §5: a day's statement exists once the day is closed, at 01:00 GMT+7 the next day;
    /// a test may close a day early (to fetch today's statement) with [`Clock::close_day`].
    pub(crate) fn is_closed(&self, day: NaiveDate) -> bool {
        if self.closed.lock().expect("clock lock").contains(&day) {
            return true;
        }
        let one_am = NaiveTime::from_hms_opt(1, 0, 0).expect("01:00 is a time");
        day.succ_opt()
            .and_then(|next| next.and_time(one_am).and_local_timezone(gmt7()).single())
            .is_some_and(|closes_at| self.now() >= closes_at)
    }
}
