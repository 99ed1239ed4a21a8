"""The demo district's dropout-risk work (``seed_demo``): partners, risk cases with their
timelines, home visits with signed minutes, escalation, sponsors and support, teacher mentors.

Called by ``schools.demo.seed_district`` after the attendance and the tutoring. Every demo school
of the current year without any of this yet gets, in one transaction (so a second run changes
nothing):

* **Partners**: the commune People's Committee, two or three village mobilization teams (tổ vận
  động ấp, the demo's hamlets are ấp), the parents' association, Hội khuyến học and the commune's
  youth union (sometimes the women's union), each with a contact person and a phone number.
* **Risk cases** for the students the data shows at risk (absences, unexcused above all; poor
  households, orphans, children left with grandparents, long ways to school, weak results), in
  every status: open (some from an absence alert), monitoring, back at school, transferred (a
  student whose enrollment ended as a transfer out), dropped out (every student whose enrollment
  ended as dropped out and who did not come back: three visits or more, or a principal's override
  for one), closed; the student who came back after dropping out has their case go dropped out →
  monitoring → back at school. The owner is the GVCN of the student's class. Each case has its
  timeline (opening, notes, status changes, partner actions) and its visits, numbered 1..n.
* **Home visits** with full minutes (the situation, the school's, the family's and the student's
  views, support offered, causes, commitments, outcome, next step), the people met and the school
  staff present; most signed on the screen (a small PNG drawn here from the signer's name), a few
  on paper (a photo-like JPEG of the paper minute), a few refused, none when nobody was home.
  A case whose visits failed ``visits_before_escalation`` times (a school setting, 3) was escalated
  at that visit, like ``services_cases.case_escalate_if_due`` does. In the school of ``gvcn`` one
  active case was escalated after three failed visits, in a grade ``phohieutruong`` answers for,
  followed by the leadership's actions (the vice-principal's own visit, a meeting with the
  commune, a request to the village team, support arranged); and one of ``gvcn``'s cases has a
  visit whose next step is due on the story's day.
* **Sponsors** (3–6: businesses, people, Hội khuyến học) and **support** (material with a value,
  moral without) for students with cases and some poor students.
* **Mentors**: most teachers none, several one mentee, some two (``giaovien`` exactly two, one of
  them a weak student of a class they teach when the weak register exists), a few ended; their
  contacts. Some at-risk and weak students are left with no case, no mentor and no group: the
  coverage page has students to show.

Like ``schools.demo_attendance``: ``load_school`` reads one school in a dozen queries,
``plan_school_risk`` draws everything from a generator seeded with the demo seed and the school
code (no queries, so the same database gives the same plan), ``write_plan`` bulk-inserts with
history rows signed by whoever did it and dated when it happened. Uses the models directly (not
the services), keeping every rule the services keep.
"""

from __future__ import annotations

import bisect
import datetime
import io
import math
import random
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.apps import apps
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from lib import demo_names as N
from schools.demo_attendance import _bulk, _local, _signed
from schools.models import (
    Role,
    RoleAssignment,
    School,
    SchoolSettings,
    SchoolYear,
    User,
)
from students.models import Enrollment, Guardian, Student

from .models import (
    Absence,
    AbsenceAlert,
    CaseEvent,
    ConductEvent,
    HomeVisit,
    MentorContact,
    Mentorship,
    Partner,
    PersonMet,
    RiskCase,
    RiskFactor,
    Sponsor,
    Support,
    VisitAmendment,
    VisitAttachment,
)

D = datetime.date
DAY = datetime.timedelta(days=1)
S = RiskCase.Status
OUT = HomeVisit.Outcome
F = RiskFactor
MIN_DAYS = 21  # the story's day this long after the opening day, at least: else no risk data
LONG_PARTNER_NOTES = "Gồm trưởng ấp, chi hội trưởng phụ nữ, bí thư chi đoàn và công an viên ấp."
# Around Long Phú (Sóc Trăng): where the browser puts the visits that have GPS.
GPS = (9.6120, 106.1180)


# --- Texts ------------------------------------------------------------------------------------
BUSINESSES = [
    ("Công ty TNHH Chế biến thủy sản Phú Hữu", "Giám đốc"),
    ("Doanh nghiệp tư nhân Lúa gạo Thành Đạt", "Chủ doanh nghiệp"),
    ("Cửa hàng Vật liệu xây dựng Hoàng Phát", "Chủ cửa hàng"),
    ("Cửa hàng xe đạp Minh Tâm", "Chủ cửa hàng"),
    ("Nhà sách Hồng Ân", "Chủ nhà sách"),
    ("Công ty TNHH Phân bón Tấn Lộc", "Phó giám đốc"),
    ("Tiệm vàng Kim Phát", "Chủ tiệm"),
]
PERSON_NOTES = [
    "Cựu học sinh của trường, kinh doanh ở TP. Hồ Chí Minh.",
    "Việt kiều Úc, mỗi năm trao học bổng cho học sinh nghèo vượt khó.",
    "Chủ vựa lúa ở địa phương, thường hỗ trợ học sinh khó khăn đầu năm học.",
    "Giáo viên nghỉ hưu của trường.",
]
PARTNER_TITLES = {
    Partner.Kind.COMMUNE: "Phó Chủ tịch UBND xã (phụ trách văn hóa – xã hội)",
    Partner.Kind.VILLAGE_TEAM: "Trưởng ấp, tổ trưởng tổ vận động",
    Partner.Kind.PARENTS: "Trưởng ban",
    Partner.Kind.LEARNING_PROMOTION: "Chủ tịch Hội",
    Partner.Kind.YOUTH_UNION: "Bí thư Đoàn xã",
    Partner.Kind.WOMEN_UNION: "Chủ tịch Hội",
}

FACTOR_SENTENCES = {
    F.ABSENCES: "Em nghỉ học {absent} buổi từ đầu năm, trong đó {unexcused} buổi không phép.",
    F.CONDUCT: "Em hay đi học trễ, có lần bỏ tiết.",
    F.WEAK: "Em học yếu {subjects}, ngại đến lớp vì không theo kịp các bạn.",
    F.POOR: "Gia đình thuộc {household}, cha mẹ làm thuê theo mùa vụ, thu nhập bấp bênh.",
    F.ORPHAN: "Em mồ côi {orphan}, sống với {guardian}.",
    F.FAR: "Nhà em cách trường {distance} km, em đi học bằng xe đạp cũ.",
    F.MINORITY: "Em là học sinh dân tộc {ethnicity}.",
    F.AWAY_FROM_PARENTS: "Cha mẹ đi làm ăn xa, em ở với {guardian}.",
    F.WORK: "Em thường phải ở nhà phụ giúp gia đình (giữ em, làm thuê theo mùa vụ).",
    F.HEALTH: "Em có khuyết tật nhẹ, sức khỏe yếu, hay phải nghỉ đi khám.",
    F.DISINTEREST: "Em tỏ ra chán học, ít tham gia hoạt động của lớp.",
}
FACTOR_CAUSES = {
    F.POOR: "1a",
    F.WORK: "1b",
    F.WEAK: "2a",
    F.DISINTEREST: "2c",
    F.FAR: "3a",
    F.HEALTH: "5b",
    F.AWAY_FROM_PARENTS: "5c",
    F.ORPHAN: "5c",
}
SUPPORT_OFFERS = {
    F.POOR: "vận động mạnh thường quân hỗ trợ tập vở, đồng phục; miễn các khoản đóng góp",
    F.FAR: "vận động hỗ trợ xe đạp để em đi học",
    F.WEAK: "giáo viên bộ môn phụ đạo miễn phí, phân công bạn học tốt giúp đỡ",
    F.AWAY_FROM_PARENTS: "GVCN liên lạc thường xuyên với người nuôi dưỡng em, phân công giáo "
    "viên đỡ đầu",
    F.ORPHAN: "đề nghị Hội khuyến học xét học bổng, phân công giáo viên đỡ đầu",
    F.WORK: "sắp xếp thời khóa biểu phụ đạo phù hợp để em vẫn phụ giúp gia đình được",
}
CONTENT = [
    "Lần vận động thứ {n}. Tình hình: em {name} đã nghỉ {absent} buổi từ đầu năm học ({unexcused} "
    "buổi không phép){recent}. GVCN đến gia đình để tìm hiểu nguyên nhân và vận động em đi học "
    "đều trở lại.",
    "Lần vận động thứ {n}. Em {name} đi học không đều: {absent} buổi nghỉ ({unexcused} buổi không "
    "phép){recent}. Nhà trường trao đổi với gia đình về việc học của em và những khó khăn của gia "
    "đình.",
]
CONTENT_NO_ABSENCE = [
    "Lần vận động thứ {n}. GVCN đến gia đình tìm hiểu hoàn cảnh của em {name} và vận động gia "
    "đình tạo điều kiện cho em đi học đều.",
]
CONTENT_NOBODY = [
    "Lần vận động thứ {n}. GVCN đến nhà lúc {time} nhưng không gặp ai; hàng xóm cho biết {said}.",
    "Lần vận động thứ {n}. Nhà đóng cửa, không gặp được gia đình; hàng xóm cho biết {said}.",
]
NEIGHBOUR_SAYS = [
    "cả nhà đi cắt lúa thuê ở xã bên, tối mới về",
    "cha mẹ em đi làm thuê, em theo người nhà đi bắt ốc ngoài đồng",
    "gia đình đi đám giỗ bên nội, vài hôm mới về",
    "cha em đi làm công trình ở xa, mẹ em chở em đi khám bệnh trên huyện",
]
SCHOOL_VIEW = [
    "Em {given} là học sinh hiền, có ý thức; nhà trường mong gia đình tạo điều kiện để em đi học "
    "đều, không bị hổng kiến thức.",
    "Nhà trường đã nắm hoàn cảnh của gia đình và sẵn sàng hỗ trợ để em tiếp tục đến trường; nghỉ "
    "học lúc này em sẽ rất khó theo kịp chương trình.",
    "Em {given} tiếp thu được bài nếu đi học đều; thầy cô bộ môn sẵn sàng kèm thêm cho em.",
]
FAMILY_VIEW = {
    OUT.WILL_RETURN: [
        "{Who} nhận thấy cho em nghỉ học là chưa đúng, hứa nhắc nhở và đưa em đi học đều.",
        "{Who} cho biết thời gian qua gia đình bận việc đồng áng nên chưa quan tâm việc học của "
        "em; gia đình đồng ý cho em đi học lại từ ngày {back}.",
        "Gia đình cảm ơn nhà trường đã quan tâm, đồng ý cho em đi học lại và sẽ báo GVCN khi em "
        "phải nghỉ.",
    ],
    OUT.WILL_THINK: [
        "Gia đình còn nhiều khó khăn, muốn em ở nhà phụ giúp một thời gian; {who} xin suy nghĩ "
        "thêm và sẽ trả lời GVCN trong tuần.",
        "Cha em muốn cho em nghỉ học đi làm thuê, mẹ em thì muốn em học hết lớp 9; gia đình xin "
        "bàn bạc lại.",
        "{Who} nói em lớn rồi, tự quyết định; gia đình sẽ khuyên em nhưng chưa hứa chắc.",
    ],
    OUT.REFUSES: [
        "Gia đình cho rằng em học yếu, có học tiếp cũng khó vào lớp 10 nên cho em ở nhà đi làm "
        "phụ gia đình.",
        "Gia đình quá khó khăn, không lo được chi phí học tập, kiên quyết chưa cho em đi học lại.",
        "{Who} cho biết em không chịu đi học, gia đình đã khuyên nhiều lần nhưng không được.",
    ],
}
STUDENT_VIEW = {
    OUT.WILL_RETURN: [
        "Em muốn đi học lại, hứa đi học đầy đủ, đúng giờ.",
        "Em hứa sẽ cố gắng, nhờ các bạn cho mượn vở chép lại bài đã nghỉ.",
    ],
    OUT.WILL_THINK: [
        "Em còn lưỡng lự, sợ không theo kịp các bạn.",
        "Em muốn đi học nhưng thương cha mẹ vất vả.",
    ],
    OUT.REFUSES: [
        "Em không muốn đi học nữa vì học không vô.",
        "Em nói muốn đi làm phụ giúp gia đình.",
    ],
}
COMMITMENTS = {
    OUT.WILL_RETURN: "Phụ huynh cam kết tạo điều kiện cho em đi học đầy đủ, phối hợp với nhà "
    "trường và báo GVCN khi em phải nghỉ. Học sinh cam kết đi học đầy đủ, đúng giờ, chấp hành "
    "nội quy. Nhà trường hỗ trợ như đã nêu.",
    OUT.WILL_THINK: "Gia đình hứa bàn bạc và trả lời nhà trường trước ngày {next}.",
    OUT.REFUSES: "Gia đình chưa đồng ý cam kết; nhà trường tiếp tục vận động.",
}
NEXT_STEP = {
    OUT.WILL_RETURN: "Theo dõi chuyên cần của em hằng ngày, báo lại gia đình",
    OUT.WILL_THINK: "Đến nhà lần nữa để nghe gia đình trả lời",
    OUT.REFUSES: "Báo cáo Ban giám hiệu, phối hợp tổ vận động ấp",
    OUT.NOBODY_HOME: "Đến lại vào buổi tối hoặc ngày nghỉ",
}
NOTES = [
    "Đã trao đổi với giáo viên bộ môn: em còn hổng kiến thức Toán, cần kèm thêm.",
    "Em đi học lại được ba buổi rồi nghỉ tiếp; GVCN đã gọi điện cho gia đình.",
    "Bạn cùng xóm cho biết em hay ra quán game sau giờ học.",
    "Gia đình báo em bị sốt, đã cho em đi khám ở trạm y tế xã.",
    "Ban cán sự lớp được phân công chép bài giúp em những buổi em nghỉ.",
]
PARTNER_ACTIONS = {
    Partner.Kind.VILLAGE_TEAM: [
        "Tổ vận động ấp cùng GVCN đến nhà vận động; trưởng ấp nói chuyện với cha em.",
        "Tổ vận động ấp đến nhà hai lần trong tuần, gia đình hứa sẽ cho em đi học lại.",
    ],
    Partner.Kind.COMMUNE: [
        "Cán bộ văn hóa – xã hội xã cùng GVCN đến nhà, giới thiệu chính sách hỗ trợ hộ nghèo.",
        "UBND xã đề nghị tổ vận động ấp theo dõi, báo lại nhà trường hằng tuần.",
    ],
    Partner.Kind.LEARNING_PROMOTION: [
        "Hội khuyến học xã trao học bổng và động viên em tiếp tục đến trường.",
    ],
    Partner.Kind.PARENTS: [
        "Ban đại diện cha mẹ học sinh thăm hỏi, tặng em tập vở và đồng phục.",
    ],
    Partner.Kind.YOUTH_UNION: [
        "Đoàn xã phân công đoàn viên ở ấp đưa đón em đi học trong tháng này.",
    ],
}
CLOSED_NOTES = [
    "Gia đình đã ổn định, em đi học đều nhiều tuần liền; đóng hồ sơ theo đề nghị của GVCN.",
    "Em nghỉ có phép để điều trị bệnh, gia đình đã báo đầy đủ; không còn nguy cơ bỏ học.",
]
RETURNED_NOTES = [
    "Em đi học đều trở lại, theo dõi thêm hai tuần không nghỉ buổi nào.",
    "Em đã đi học lại và theo kịp bài; chuyển sang theo dõi thường xuyên của lớp.",
]
OVERRIDE_REASONS = [
    "Gia đình đã chuyển cả nhà đi làm ăn ở {place}, không còn ở địa phương; tổ vận động ấp xác "
    "nhận, không thể đến nhà vận động thêm.",
]
ESCALATION_REASON = "Đã đến nhà {n} lần, gia đình chưa đồng ý cho em đi học lại."
MENTOR_GOALS = {
    Mentorship.Reason.AT_RISK: [
        "Em đi học đều, không nghỉ không phép; gặp em mỗi tuần một lần.",
        "Giữ liên lạc với gia đình hằng tuần; em không nghỉ học quá 2 buổi một tháng.",
    ],
    Mentorship.Reason.WEAK: [
        "Điểm trung bình môn {subject} học kỳ I từ 5,0 trở lên.",
        "Em làm đủ bài tập về nhà, tham gia đủ các buổi phụ đạo.",
    ],
    Mentorship.Reason.BOTH: [
        "Em đi học đều và đạt từ 5,0 trở lên môn {subject}; gặp em và gia đình hằng tháng.",
    ],
}
MENTOR_ENDS = [
    "Em đã tiến bộ rõ, đi học đều; chuyển sang theo dõi thường xuyên của lớp.",
    "Em đã theo kịp bài, gia đình quan tâm hơn.",
]
CONTACT_TEXTS = {
    MentorContact.Method.TALK: [
        "Trò chuyện với em sau giờ học về việc học; em hứa làm đủ bài tập.",
        "Hỏi han em về việc ở nhà; em cho biết gia đình đã đỡ khó khăn hơn.",
        "Kiểm tra vở ghi của em, nhắc em chép lại bài những buổi nghỉ.",
    ],
    MentorContact.Method.PHONE: [
        "Gọi điện cho phụ huynh hỏi tình hình em ở nhà; gia đình hứa nhắc em đi học đúng giờ.",
        "Gọi điện hỏi vì sao em nghỉ buổi sáng; mẹ em cho biết em bị cảm, hôm sau đi học lại.",
        "Gọi điện báo gia đình lịch phụ đạo mới của em.",
    ],
    MentorContact.Method.MESSAGE: [
        "Nhắn tin Zalo với phụ huynh về lịch kiểm tra giữa kỳ.",
        "Nhắn tin nhắc em mang đủ sách vở, làm bài tập về nhà.",
        "Nhắn tin khen em có điểm kiểm tra 15 phút tiến bộ.",
    ],
    MentorContact.Method.VISIT: [
        "Đến thăm gia đình, tặng em ít tập vở; em vui vẻ, hứa đi học đều.",
        "Ghé nhà em buổi chiều, nói chuyện với ông bà về việc học của em.",
    ],
    MentorContact.Method.FAMILY: [
        "Gặp phụ huynh khi đến đón em, trao đổi về kết quả kiểm tra gần đây.",
        "Trao đổi với phụ huynh trong buổi họp cha mẹ học sinh về tình hình chuyên cần của em.",
    ],
}
CONTACT_METHODS = [
    (MentorContact.Method.TALK, 45),
    (MentorContact.Method.PHONE, 20),
    (MentorContact.Method.MESSAGE, 15),
    (MentorContact.Method.FAMILY, 10),
    (MentorContact.Method.VISIT, 10),
]
SUBJECT_WORDS = {"TOAN": "Toán", "NV": "Ngữ văn", "NN1": "Tiếng Anh"}
PERSON_MET = {
    Guardian.Relation.FATHER: PersonMet.FATHER,
    Guardian.Relation.MOTHER: PersonMet.MOTHER,
    Guardian.Relation.GRANDFATHER: PersonMet.GRANDPARENT,
    Guardian.Relation.GRANDMOTHER: PersonMet.GRANDPARENT,
    Guardian.Relation.SIBLING: PersonMet.SIBLING,
    Guardian.Relation.RELATIVE: PersonMet.RELATIVE,
    Guardian.Relation.GUARDIAN: PersonMet.GUARDIAN,
}
# (kind, what, value range in thousand đồng, step) of material support; moral support has none.
MATERIAL = [
    (Support.Kind.MONEY, "Tiền mặt hỗ trợ chi phí học tập", (500, 2000), 500),
    (Support.Kind.BICYCLE, "Xe đạp mới", (1600, 2400), 100),
    (Support.Kind.BOOKS, "Bộ sách giáo khoa và tập vở", (300, 600), 50),
    (Support.Kind.UNIFORM, "Hai bộ đồng phục", (350, 500), 50),
    (Support.Kind.FOOD, "20 kg gạo", (360, 500), 20),
    (Support.Kind.SCHOLARSHIP, "Học bổng vượt khó học tốt", (1000, 3000), 500),
]
MORAL = [
    (Support.Kind.ENCOURAGEMENT, "GVCN và Tổng phụ trách Đội đến động viên em tiếp tục đi học"),
    (Support.Kind.COUNSELLING, "Tư vấn tâm lý học đường, giúp em lấy lại động lực học tập"),
]


# --- What is read from the database -----------------------------------------------------------
@dataclass
class Pupil:
    id: int
    code: str
    name: str
    given: str
    girl: bool
    ethnicity: str
    hamlet: str
    commune: str
    address: str
    household: str
    orphan: str
    disability: bool
    distance: float
    lives_away: bool
    # (classroom id, start, end, start kind, end kind, end note, dropout causes), in order
    spans: list[tuple] = field(default_factory=list)
    guardians: list[tuple[str, str, str]] = field(default_factory=list)  # name, relation, phone
    absent: int = 0
    unexcused: int = 0
    recent: int = 0
    # official-session absences, in date order: (date, unexcused)
    absences: list[tuple[datetime.date, bool]] = field(default_factory=list)
    conduct: int = 0
    weak: list[str] = field(default_factory=list)  # subject codes ("" overall)
    covered: bool = False  # in a tutoring group or a peer pair
    alerts: list[tuple[int, datetime.date, bool]] = field(default_factory=list)

    @property
    def classroom_id(self) -> int:
        return self.spans[-1][0]

    @property
    def enrolled(self) -> bool:
        return self.spans[-1][2] is None

    @property
    def open_alert(self) -> bool:
        return any(not answered for _, _, answered in self.alerts)

    def absent_by(self, day: datetime.date, window: int = 30) -> tuple[int, int, int]:
        """(absences, unexcused, absences in the last ``window`` days) up to ``day``."""
        upto = bisect.bisect_right(self.absences, (day, True))
        mine = self.absences[:upto]
        since = day - datetime.timedelta(days=window)
        return (
            len(mine),
            sum(1 for _, k in mine if k),
            sum(1 for d, _ in mine if d > since),
        )


@dataclass
class RiskData:
    """One school as the planner needs it: ids and plain values, no model instances."""

    school_id: int
    code: str
    commune: str
    first: bool  # the school of the named logins
    year_id: int
    year_start: datetime.date
    story_day: datetime.date
    escalate_after: int
    far_km: float
    classrooms: dict[int, tuple[str, int]]  # id → (name, grade)
    homeroom: dict[int, int]  # classroom id → user id
    names: dict[int, str]  # user id → full name
    usernames: dict[int, str]
    principal: int | None
    vps: list[tuple[int, set[int]]]  # (user id, grades)
    clerk: int | None
    youth: int | None
    teachers: list[int]  # teaching staff, not leaders, by username
    taught: dict[int, set[int]]  # teacher → classroom ids
    subject: dict[int, str]  # teacher → main subject code
    pupils: list[Pupil]
    hamlets: list[str]  # the school commune's hamlets (ấp)


def current_year(school: School) -> SchoolYear | None:
    return SchoolYear.objects.filter(school=school, is_current=True).first()


def has_risk_data(school: School) -> bool:
    return (
        Partner.objects.filter(school=school).exists()
        or Sponsor.objects.filter(school=school).exists()
        or RiskCase.objects.filter(school_year__school=school).exists()
        or Mentorship.objects.filter(school_year__school=school).exists()
    )


def load_school(school: School, year: SchoolYear, story_day: datetime.date, first: bool):
    """One school in a dozen queries, whatever its size."""
    from tutoring.models import Membership, PeerPair, WeakRecord

    settings = SchoolSettings.for_school(school)
    classrooms = {
        pk: (name, grade) for pk, name, grade in year.classrooms.values_list("pk", "name", "grade")
    }
    homeroom, names, usernames, vps, taught = {}, {}, {}, [], defaultdict(set)
    subjects: dict[int, Counter] = defaultdict(Counter)
    principal = clerk = youth = None
    leaders = set()
    for user_id, role, classroom_id, blocks, subject, username, full_name in (
        RoleAssignment.objects.filter(school_year=year, user__is_active=True)
        .order_by("user__username", "role", "pk")
        .values_list(
            "user_id",
            "role",
            "classroom_id",
            "grade_blocks",
            "subject__code",
            "user__username",
            "user__full_name",
        )
    ):
        names[user_id], usernames[user_id] = full_name, username
        if role == Role.HOMEROOM:
            homeroom[classroom_id] = user_id
        elif role == Role.SUBJECT_TEACHER:
            taught[user_id].add(classroom_id)
            subjects[user_id][subject] += 1
        elif role == Role.PRINCIPAL and principal is None:
            principal = user_id
        elif role == Role.VICE_PRINCIPAL:
            grades = {int(g) for g in blocks.split(",") if g.strip().isdigit()}
            vps.append((user_id, grades or {6, 7, 8, 9}))
        elif role == Role.CLERK and clerk is None:
            clerk = user_id
        elif role == Role.YOUTH_UNION and youth is None:
            youth = user_id
        if role in (Role.PRINCIPAL, Role.VICE_PRINCIPAL, Role.CLERK, Role.YOUTH_UNION):
            leaders.add(user_id)
    teachers = sorted((u for u in taught if u not in leaders), key=lambda u: usernames[u])

    pupils = {
        pk: Pupil(
            id=pk,
            code=code,
            name=f"{family} {given}",
            given=given,
            girl=gender == Student.Gender.FEMALE,
            ethnicity=ethnicity,
            hamlet=hamlet,
            commune=commune,
            address=address,
            household=household,
            orphan=orphan,
            disability=disability,
            distance=float(distance or 0),
            lives_away=away,
        )
        for (
            pk,
            code,
            family,
            given,
            gender,
            ethnicity,
            hamlet,
            commune,
            address,
            household,
            orphan,
            disability,
            distance,
            away,
        ) in Student.objects.filter(school=school)
        .order_by("code")
        .values_list(
            "pk",
            "code",
            "family_name",
            "given_name",
            "gender",
            "ethnicity",
            "hamlet",
            "commune",
            "address",
            "household",
            "orphan",
            "disability",
            "distance_km",
            "lives_away_from_parents",
        )
    }
    for student_id, *span in (
        Enrollment.objects.filter(classroom__school_year=year)
        .order_by("student_id", "start_date", "pk")
        .values_list(
            "student_id",
            "classroom_id",
            "start_date",
            "end_date",
            "start_kind",
            "end_kind",
            "end_note",
            "dropout_causes",
        )
    ):
        if student_id in pupils:
            pupils[student_id].spans.append(tuple(span))
    for student_id, name, relation, phone in (
        Guardian.objects.filter(student__school=school)
        .order_by("student_id", "-is_primary", "pk")
        .values_list("student_id", "full_name", "relation", "phone")
    ):
        if student_id in pupils:
            pupils[student_id].guardians.append((name, relation, phone))
    recent_from = story_day - datetime.timedelta(days=settings.warning_window_days)
    for student_id, day, status in (
        Absence.objects.filter(
            roll_call__classroom__school_year=year,
            session=settings.official_session,
            date__lte=story_day,
        )
        .order_by("student_id", "date")
        .values_list("student_id", "date", "status")
    ):
        p = pupils.get(student_id)
        if p is not None:
            unexcused = status == Absence.Status.UNEXCUSED
            p.absences.append((day, unexcused))
            p.absent += 1
            p.unexcused += unexcused
            p.recent += day >= recent_from
    for student_id, n in (
        ConductEvent.objects.filter(
            student__school=school, date__gte=year.start_date, date__lte=story_day
        )
        .values("student_id")
        .order_by()
        .annotate(n=Count("pk"))
        .values_list("student_id", "n")
    ):
        if student_id in pupils:
            pupils[student_id].conduct = n
    # The weak register only when the tutoring demo (or a school) filled it: active records.
    for student_id, subject in (
        WeakRecord.objects.filter(school_year=year, resolved_term__isnull=True)
        .exclude(status=WeakRecord.Status.DISMISSED)
        .order_by("student_id", "subject__code")
        .values_list("student_id", "subject__code")
    ):
        if student_id in pupils:
            pupils[student_id].weak.append(subject or "")
    covered = set(
        Membership.objects.filter(group__school_year=year, left_on__isnull=True).values_list(
            "student_id", flat=True
        )
    )
    covered |= set(
        PeerPair.objects.filter(school_year=year, end_date__isnull=True).values_list(
            "helped_id", flat=True
        )
    )
    for student_id in covered:
        if student_id in pupils:
            pupils[student_id].covered = True
    for pk, student_id, opened_on, acknowledged in (
        AbsenceAlert.objects.filter(school_year=year, opened_on__lte=story_day)
        .order_by("opened_on", "pk")
        .values_list("pk", "student_id", "opened_on", "acknowledged_at")
    ):
        if student_id in pupils:
            pupils[student_id].alerts.append((pk, opened_on, acknowledged is not None))

    return RiskData(
        school_id=school.pk,
        code=school.code,
        commune=school.commune or "xã",
        first=first,
        year_id=year.pk,
        year_start=year.start_date,
        story_day=story_day,
        escalate_after=settings.visits_before_escalation,
        far_km=float(settings.warning_distance_km),
        classrooms=classrooms,
        homeroom=homeroom,
        names=names,
        usernames=usernames,
        principal=principal,
        vps=vps,
        clerk=clerk,
        youth=youth,
        teachers=teachers,
        taught=dict(taught),
        subject={u: c.most_common(1)[0][0] for u, c in subjects.items() if c},
        pupils=[p for p in pupils.values() if p.spans],
        hamlets=list(N.COMMUNES.get(school.commune, [])),
    )


# --- The plan ---------------------------------------------------------------------------------
@dataclass
class EventPlan:
    kind: str
    date: datetime.date
    by: int
    text: str = ""
    old: str = ""
    new: str = ""
    action: str = ""
    partner: str = ""  # partner name


@dataclass
class VisitPlan:
    author: int
    started_at: datetime.datetime
    ended_at: datetime.time
    outcome: str
    staff: list[int]
    place: str = HomeVisit.Place.HOME
    address: str = ""
    gps: tuple[Decimal, Decimal] | None = None
    people_met: list[dict] = field(default_factory=list)
    student_present: bool = False
    content: str = ""
    school_view: str = ""
    family_view: str = ""
    student_view: str = ""
    support_offered: str = ""
    causes: str = ""
    commitments: str = ""
    return_date: datetime.date | None = None
    next_step: str = ""
    next_date: datetime.date | None = None
    signature_kind: str = HomeVisit.Signature.NONE
    signer_name: str = ""
    signature_note: str = ""
    amendment: str = ""


@dataclass
class CasePlan:
    pupil: Pupil
    owner: int
    opened_on: datetime.date
    opened_by: int
    source: str
    status: str
    factors: list[str]
    summary: str
    alert_id: int | None = None
    ended_on: datetime.date | None = None
    end_note: str = ""
    escalated_at: datetime.datetime | None = None
    escalation_reason: str = ""
    override_reason: str = ""
    override_by: int | None = None
    events: list[EventPlan] = field(default_factory=list)
    visits: list[VisitPlan] = field(default_factory=list)


@dataclass
class SupportPlan:
    student_id: int
    kind: str
    description: str
    value: Decimal | None
    date: datetime.date
    by: int
    sponsor: str = ""  # sponsor name; empty: the school itself
    case: CasePlan | None = None


@dataclass
class MentorPlan:
    teacher: int
    student_id: int
    slot: int
    reason: str
    goals: str
    start: datetime.date
    created_by: int
    end: datetime.date | None = None
    end_reason: str = ""
    contacts: list[tuple[datetime.date, str, str]] = field(default_factory=list)


@dataclass
class RiskPlan:
    partners: list[dict] = field(default_factory=list)  # Partner field values
    sponsors: list[dict] = field(default_factory=list)
    cases: list[CasePlan] = field(default_factory=list)
    supports: list[SupportPlan] = field(default_factory=list)
    mentorships: list[MentorPlan] = field(default_factory=list)
    forgotten: list[int] = field(default_factory=list)  # at-risk students left uncovered


def _weighted(rng: random.Random, pairs):
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights=weights)[0]


def _day(rng: random.Random, lo: datetime.date, hi: datetime.date) -> datetime.date:
    if hi <= lo:
        return lo
    return lo + datetime.timedelta(days=rng.randint(0, (hi - lo).days))


def _spread(rng, lo: datetime.date, hi: datetime.date, count: int) -> list[datetime.date]:
    """``count`` increasing, distinct where possible, dates in [lo, hi]."""
    if count <= 0:
        return []
    span = max(0, (hi - lo).days)
    out, last = [], None
    for i in range(count):
        share = (i + 1) / (count + 1) if count > 1 else 0.5
        day = lo + datetime.timedelta(days=round(span * share + rng.uniform(-1.0, 1.0)))
        day = min(hi, max(lo, day))
        if last is not None and day <= last:
            day = min(hi, last + DAY)
        out.append(day)
        last = day
    return out


def _visit_time(rng: random.Random, day: datetime.date):
    """After school on weekdays, the morning at weekends: (start, end time)."""
    if day.weekday() >= 5:
        start = _local(day, rng.choice([7, 8, 9]), rng.choice([0, 15, 30, 45]))
    else:
        start = _local(day, rng.choice([16, 17, 18]), rng.choice([0, 15, 30, 45]))
    end = start + datetime.timedelta(minutes=rng.choice([40, 45, 60, 75, 90]))
    return start, timezone.localtime(end).time().replace(second=0, microsecond=0)


def _vn_date(day: datetime.date) -> str:
    return f"{day:%d/%m/%Y}"


def _woman(name: str, relation: str) -> bool:
    if relation in (Guardian.Relation.MOTHER, Guardian.Relation.GRANDMOTHER):
        return True
    if relation in (Guardian.Relation.FATHER, Guardian.Relation.GRANDFATHER):
        return False
    return " Thị " in f" {name} "


def _who(p: Pupil) -> tuple[str, str]:
    """("mẹ em", name) of the main guardian."""
    if not p.guardians:
        return "gia đình em", ""
    name, relation, _ = p.guardians[0]
    return f"{N.RELATION_WORDS.get(relation, 'người thân')} em", name


class Planner:
    """Draws one school's risk work from its own generator."""

    def __init__(self, data: RiskData, seed: int):
        self.data = data
        self.rng = random.Random(f"dong-hanh-risk:{seed}:{data.code}")  # noqa: S311 - demo data
        self.namer = _namer(self.rng)
        self.plan = RiskPlan()
        self.taken: set[int] = set()
        self.village_teams: dict[str, str] = {}  # hamlet → partner name
        self.partner_by_kind: dict[str, str] = {}

    # --- helpers ------------------------------------------------------------------------------
    def gvcn_of(self, p: Pupil) -> int:
        d = self.data
        return d.homeroom.get(p.classroom_id) or d.principal

    def grade(self, p: Pupil) -> int:
        return self.data.classrooms[p.classroom_id][1]

    def vp_of(self, p: Pupil) -> int | None:
        grade = self.grade(p)
        for user_id, grades in self.data.vps:
            if grade in grades:
                return user_id
        return self.data.vps[0][0] if self.data.vps else self.data.principal

    def score(self, p: Pupil) -> float:
        return (
            3 * p.unexcused
            + p.absent
            + 2 * p.recent
            + 0.5 * p.conduct
            + 4 * (p.household == Student.Household.POOR)
            + 2 * (p.household == Student.Household.NEAR_POOR)
            + 3 * p.lives_away
            + 3 * bool(p.orphan)
            + 2 * (p.distance >= self.data.far_km)
            + 2 * min(2, len(p.weak))
            + p.disability
        )

    def factors(self, p: Pupil) -> list[str]:
        d, rng = self.data, self.rng
        out = []
        if p.absent >= 5 or p.unexcused >= 2 or p.recent >= 3:
            out.append(F.ABSENCES)
        if p.conduct >= 3:
            out.append(F.CONDUCT)
        if p.weak:
            out.append(F.WEAK)
        if p.household:
            out.append(F.POOR)
        if p.orphan:
            out.append(F.ORPHAN)
        if p.distance >= d.far_km:
            out.append(F.FAR)
        if p.ethnicity != N.KINH:
            out.append(F.MINORITY)
        if p.lives_away:
            out.append(F.AWAY_FROM_PARENTS)
        if p.household and self.grade(p) >= 8 and rng.random() < 0.5:
            out.append(F.WORK)
        if p.disability:
            out.append(F.HEALTH)
        if p.weak and p.absent >= 5 and rng.random() < 0.5:
            out.append(F.DISINTEREST)
        return out or [F.ABSENCES, F.DISINTEREST]

    def summary(self, p: Pupil, factors: list[str], on: datetime.date) -> str:
        absent, unexcused, _ = p.absent_by(on)
        words = {
            "absent": absent,
            "unexcused": unexcused,
            "subjects": _subjects(p.weak),
            "household": "hộ nghèo" if p.household == Student.Household.POOR else "hộ cận nghèo",
            "orphan": _orphan_words(p),
            "guardian": _guardian_words(p),
            "distance": f"{p.distance:.1f}".replace(".", ","),
            "ethnicity": p.ethnicity,
        }
        skip = {F.AWAY_FROM_PARENTS} if F.ORPHAN in factors else set()
        if not absent:
            skip.add(F.ABSENCES)
        text = " ".join(
            FACTOR_SENTENCES[f].format(**words)
            for f in factors
            if f in FACTOR_SENTENCES and f not in skip
        )
        return text or "GVCN nhận thấy em có dấu hiệu chán học, hay nói với bạn muốn nghỉ học."

    def address(self, p: Pupil) -> str:
        parts = [p.address, p.hamlet, p.commune]
        return ", ".join(x for x in parts if x)

    def causes(self, factors: list[str], p: Pupil) -> str:
        spans_causes = [s[6] for s in p.spans if s[6]]
        if spans_causes:
            return spans_causes[-1]
        codes = []
        for f in factors:
            code = FACTOR_CAUSES.get(f)
            if code and code not in codes:
                codes.append(code)
        return ",".join(codes[:3]) or "5g"

    def offers(self, factors: list[str]) -> str:
        parts = [SUPPORT_OFFERS[f] for f in factors if f in SUPPORT_OFFERS][:3]
        if not parts:
            parts = ["GVCN theo dõi sát việc học, phân công bạn học tốt giúp đỡ em"]
        return "Nhà trường đề xuất: " + "; ".join(parts) + "."

    def people_met(self, p: Pupil, *, second: bool, village: str = "") -> list[dict]:
        out = []
        for name, relation, phone in p.guardians[: 2 if second else 1]:
            out.append(
                {"name": name, "relation": PERSON_MET.get(relation, "other"), "phone": phone}
            )
        if village:
            out.append({"name": village, "relation": PersonMet.VILLAGE, "phone": ""})
        return out

    # --- one visit ----------------------------------------------------------------------------
    def visit(
        self,
        case: CasePlan,
        day: datetime.date,
        outcome: str,
        *,
        author: int | None = None,
        staff: tuple[int, ...] = (),
        village: str = "",
        next_date: datetime.date | None = None,
        signature: str | None = None,
    ) -> VisitPlan:
        rng, p = self.rng, case.pupil
        author = author or case.owner
        start, end = _visit_time(rng, day)
        n = len(case.visits) + 1
        who, guardian = _who(p)
        Who = who[:1].upper() + who[1:]  # noqa: N806
        present = [author, *[s for s in staff if s and s != author]]
        if self.data.youth and rng.random() < 0.25 and self.data.youth not in present:
            present.append(self.data.youth)
        absent, unexcused, recent_count = p.absent_by(day)
        recent = f", {recent_count} buổi trong tháng qua" if recent_count else ""
        words = {
            "n": n,
            "name": p.name,
            "given": p.given,
            "absent": absent,
            "unexcused": unexcused,
            "recent": recent,
            "time": f"{timezone.localtime(start):%H:%M}",
            "said": rng.choice(NEIGHBOUR_SAYS),
            "who": who,
            "Who": Who,
        }
        v = VisitPlan(author=author, started_at=start, ended_at=end, outcome=outcome, staff=present)
        at_school = outcome != OUT.NOBODY_HOME and rng.random() < 0.12
        if at_school:
            v.place = HomeVisit.Place.SCHOOL
        else:
            v.address = self.address(p)
            if rng.random() < 0.6:
                v.gps = (
                    Decimal(f"{GPS[0] + rng.uniform(-0.04, 0.04):.6f}"),
                    Decimal(f"{GPS[1] + rng.uniform(-0.04, 0.04):.6f}"),
                )
        v.causes = self.causes(case.factors, p)
        if outcome == OUT.NOBODY_HOME:
            v.content = rng.choice(CONTENT_NOBODY).format(**words)
            v.people_met = (
                [
                    {
                        "name": self.namer.adult(rng.random() < 0.5),
                        "relation": PersonMet.NEIGHBOUR,
                        "phone": "",
                    }
                ]
                if rng.random() < 0.6
                else []
            )
            v.next_step = NEXT_STEP[outcome]
            v.next_date = next_date or day + datetime.timedelta(days=rng.randint(2, 5))
            v.signature_kind = HomeVisit.Signature.NONE
            v.signature_note = "Không gặp được gia đình."
            return self._add(case, v)
        v.people_met = self.people_met(p, second=rng.random() < 0.3, village=village)
        v.student_present = rng.random() < (0.8 if outcome == OUT.WILL_RETURN else 0.5)
        v.content = rng.choice(CONTENT if absent else CONTENT_NO_ABSENCE).format(**words)
        v.school_view = rng.choice(SCHOOL_VIEW).format(**words)
        v.support_offered = self.offers(case.factors)
        if outcome == OUT.WILL_RETURN:
            back = day + DAY
            while back.weekday() >= 5:
                back += DAY
            v.return_date = back
        words["back"] = _vn_date(v.return_date or day)
        v.family_view = rng.choice(FAMILY_VIEW[outcome]).format(**words)
        if v.student_present:
            v.student_view = rng.choice(STUDENT_VIEW[outcome])
        else:
            v.student_view = "Em không có mặt ở nhà lúc làm việc."
        v.next_date = next_date or day + datetime.timedelta(
            days=rng.randint(7, 12) if outcome == OUT.WILL_RETURN else rng.randint(4, 8)
        )
        v.commitments = COMMITMENTS[outcome].format(next=_vn_date(v.next_date))
        v.next_step = NEXT_STEP[outcome]
        signer = v.people_met[0]["name"] if v.people_met else guardian
        kind = signature or (
            HomeVisit.Signature.REFUSED
            if outcome == OUT.REFUSES and rng.random() < 0.6
            else _weighted(rng, [(HomeVisit.Signature.DRAWN, 85), (HomeVisit.Signature.PAPER, 15)])
        )
        if not signer and kind in (HomeVisit.Signature.DRAWN, HomeVisit.Signature.PAPER):
            kind = HomeVisit.Signature.NONE
        v.signature_kind = kind
        if kind == HomeVisit.Signature.REFUSED:
            v.signature_note = "Gia đình không đồng ý ký biên bản."
        elif kind == HomeVisit.Signature.NONE:
            v.signature_note = "Không có người đại diện gia đình để ký."
        else:
            v.signer_name = signer
        return self._add(case, v)

    def _add(self, case: CasePlan, v: VisitPlan) -> VisitPlan:
        case.visits.append(v)
        d = self.data
        failed = sum(1 for x in case.visits if x.outcome in HomeVisit.FAILED)
        if (
            case.escalated_at is None
            and v.outcome in HomeVisit.FAILED
            and failed >= d.escalate_after
        ):
            when = timezone.localtime(v.started_at)
            case.escalated_at = when.replace(hour=v.ended_at.hour, minute=v.ended_at.minute)
            case.escalation_reason = ESCALATION_REASON.format(n=failed)
            case.events.append(
                EventPlan(
                    CaseEvent.Kind.ESCALATED,
                    when.date(),
                    v.author,
                    f"Chuyển Ban giám hiệu: {case.escalation_reason}",
                )
            )
        return v

    # --- one case -----------------------------------------------------------------------------
    def case(self, p: Pupil, opened_on: datetime.date, *, source=None, by=None) -> CasePlan:
        rng = self.rng
        owner = self.gvcn_of(p)
        factors = self.factors(p)
        alert_id = None
        if source is None:
            usable = [a for a in p.alerts if a[1] <= opened_on]
            if usable and rng.random() < 0.8:
                source, alert_id = RiskCase.Source.ALERT, usable[-1][0]
            else:
                source = rng.choice([RiskCase.Source.WARNING, RiskCase.Source.STUDENT])
        opener = by or owner
        text = {
            RiskCase.Source.ALERT: "Mở hồ sơ từ cảnh báo vắng học.",
            RiskCase.Source.WARNING: "Mở hồ sơ từ danh sách cảnh báo sớm.",
            RiskCase.Source.STUDENT: "Mở hồ sơ từ trang học sinh.",
        }[source]
        case = CasePlan(
            pupil=p,
            owner=owner,
            opened_on=opened_on,
            opened_by=opener,
            source=source,
            status=S.OPEN,
            factors=factors,
            summary=self.summary(p, factors, opened_on),
            alert_id=alert_id,
        )
        case.events.append(EventPlan(CaseEvent.Kind.STATUS, opened_on, opener, text, "", S.OPEN))
        self.plan.cases.append(case)
        self.taken.add(p.id)
        return case

    def status(self, case, day, new, by=None, text="", *, end_note=""):
        case.events.append(
            EventPlan(CaseEvent.Kind.STATUS, day, by or case.owner, text, case.status, new)
        )
        case.status = new
        if new in RiskCase.ACTIVE:
            case.ended_on, case.end_note = None, ""
        else:
            case.ended_on, case.end_note = day, end_note or text
            if case.visits:  # nothing more is planned on a finished case
                case.visits[-1].next_date = None

    def note(self, case, day, text=None, by=None):
        case.events.append(
            EventPlan(CaseEvent.Kind.NOTE, day, by or case.owner, text or self.rng.choice(NOTES))
        )

    def partner_event(self, case, day, kind, by=None, partner_name=""):
        name = partner_name or self.partner_by_kind.get(kind)
        if not name:
            return
        case.events.append(
            EventPlan(
                CaseEvent.Kind.PARTNER,
                day,
                by or case.owner,
                self.rng.choice(PARTNER_ACTIONS[kind]),
                partner=name,
            )
        )

    def team_for(self, p: Pupil) -> str:
        """The village team of the student's hamlet, or the school's first one."""
        hamlet = p.hamlet.removeprefix("ấp ")
        return self.village_teams.get(hamlet) or next(iter(self.village_teams.values()), "")

    # --- the school ---------------------------------------------------------------------------
    def run(self) -> RiskPlan:
        d = self.data
        self.partners()
        self.sponsors()
        window = (d.story_day - d.year_start).days
        if window < MIN_DAYS or not d.pupils:
            return self.plan
        self.ended_cases()
        self.steady_cases()
        self.supports()
        self.mentors()
        self.amend()
        self.paper()
        return self.plan

    def paper(self) -> None:
        """One or two minutes signed on paper in every school (a photo of it attached): a few,
        and the photos take a while to draw."""
        visits = [v for c in self.plan.cases for v in c.visits]
        papers = [v for v in visits if v.signature_kind == HomeVisit.Signature.PAPER]
        for v in papers[2:]:
            v.signature_kind = HomeVisit.Signature.DRAWN
        drawn = [v for v in visits if v.signature_kind == HomeVisit.Signature.DRAWN]
        if not papers and drawn:
            drawn[0].signature_kind = HomeVisit.Signature.PAPER

    def partners(self) -> None:
        d, rng, namer = self.data, self.rng, self.namer
        commune = d.commune
        K = Partner.Kind  # noqa: N806

        def add(kind, name, woman_share=0.3, notes=""):
            person = namer.adult(rng.random() < woman_share)
            self.plan.partners.append(
                {
                    "kind": kind,
                    "name": name,
                    "contact_person": f"{person} – {PARTNER_TITLES[kind]}",
                    "phone": namer.phone(),
                    "notes": notes,
                }
            )
            self.partner_by_kind.setdefault(kind, name)
            return person

        add(K.COMMUNE, f"UBND {commune}")
        # Village teams where the at-risk students live (the school commune's hamlets first).
        hamlets = self._risky_hamlets()
        for hamlet in hamlets[: rng.randint(2, 3)]:
            name = f"Tổ vận động ấp {hamlet}"
            add(K.VILLAGE_TEAM, name, 0.2, LONG_PARTNER_NOTES)
            self.village_teams[hamlet] = name
        add(K.PARENTS, "Ban đại diện cha mẹ học sinh trường", 0.6)
        add(K.LEARNING_PROMOTION, f"Hội Khuyến học {commune}", 0.4)
        add(K.YOUTH_UNION, f"Đoàn Thanh niên {commune}", 0.4)
        if rng.random() < 0.5:
            add(K.WOMEN_UNION, f"Hội Liên hiệp Phụ nữ {commune}", 1.0)

    def _risky_hamlets(self) -> list[str]:
        d = self.data
        weight: Counter = Counter()
        for p in d.pupils:
            if p.commune == d.commune:
                weight[p.hamlet.removeprefix("ấp ")] += self.score(p)
        ranked = [h for h, _ in weight.most_common() if h not in ("Nội Ô", "Chợ")]
        ranked += [h for h in d.hamlets if h not in ranked and h not in ("Nội Ô", "Chợ")]
        return ranked or ["Phú Đức", "Tân Qui"]

    def sponsors(self) -> None:
        d, rng, namer = self.data, self.rng, self.namer
        out = self.plan.sponsors
        out.append(
            {
                "kind": Sponsor.Kind.ORGANISATION,
                "name": f"Hội Khuyến học {d.commune}",
                "contact_person": namer.adult(rng.random() < 0.4),
                "phone": namer.phone(),
                "address": f"UBND {d.commune}",
                "notes": "Trao học bổng cho học sinh nghèo vượt khó mỗi học kỳ.",
            }
        )
        for name, title in rng.sample(BUSINESSES, rng.randint(1, 3)):
            hamlet = rng.choice(d.hamlets or ["Nội Ô"])
            out.append(
                {
                    "kind": Sponsor.Kind.BUSINESS,
                    "name": name,
                    "contact_person": f"{namer.adult(rng.random() < 0.3)} – {title}",
                    "phone": namer.phone(),
                    "address": f"ấp {hamlet}, {d.commune}",
                    "notes": "",
                }
            )
        for note in rng.sample(PERSON_NOTES, rng.randint(1, 2)):
            woman = rng.random() < 0.4
            person = namer.adult(woman)
            out.append(
                {
                    "kind": Sponsor.Kind.PERSON,
                    "name": f"{'Bà' if woman else 'Ông'} {person}",
                    "contact_person": "",
                    "phone": namer.phone(),
                    "address": "",
                    "notes": note,
                }
            )

    # --- cases of students who left: dropped out, came back, transferred ---------------------
    def ended_cases(self) -> None:
        d, rng = self.data, self.rng
        story = d.story_day
        override_used = not d.first  # the first school shows one principal's override
        dropped = [
            p
            for p in d.pupils
            if p.spans[-1][4] == Enrollment.EndKind.DROPPED_OUT and p.spans[-1][2] <= story
        ]
        for i, p in enumerate(dropped):
            end = p.spans[-1][2]
            opened = max(d.year_start + 2 * DAY, end - datetime.timedelta(days=rng.randint(16, 24)))
            opened = min(opened, end - 3 * DAY) if end - 3 * DAY >= d.year_start else d.year_start
            case = self.case(p, opened)
            override = not override_used and i == len(dropped) - 1 and len(dropped) >= 2
            if override:
                override_used = True
                day = _day(rng, opened + DAY, end)
                self.visit(case, day, OUT.NOBODY_HOME)
                place = rng.choice(N.AWAY_PLACES)
                case.override_reason = rng.choice(OVERRIDE_REASONS).format(place=place)
                case.override_by = d.principal
                self.partner_event(case, min(end, day + DAY), Partner.Kind.VILLAGE_TEAM)
                self.status(case, end, S.DROPPED_OUT, d.principal, p.spans[-1][5] or "Bỏ học.")
                continue
            days = _spread(rng, opened + DAY, end, 3)
            team = self.team_for(p)
            self.visit(case, days[0], OUT.WILL_THINK)
            self.visit(case, days[1], OUT.REFUSES, staff=(self.vp_of(p),))
            self.visit(
                case,
                days[2],
                rng.choice([OUT.REFUSES, OUT.NOBODY_HOME]),
                staff=(self.vp_of(p),),
                village=self._team_head(team),
            )
            self.partner_event(case, days[2], Partner.Kind.VILLAGE_TEAM, partner_name=team)
            self.leadership(case, days[2], CaseEvent.Action.COMMUNE_MEETING, self.vp_of(p))
            self.status(case, end, S.DROPPED_OUT, d.clerk or case.owner, p.spans[-1][5] or "")
        returned = [
            p
            for p in d.pupils
            if len(p.spans) >= 2
            and p.spans[-1][3] == Enrollment.StartKind.RETURNED
            and p.spans[-2][4] == Enrollment.EndKind.DROPPED_OUT
            and p.spans[-1][1] <= story
        ]
        for p in returned:
            left, back = p.spans[-2][2], p.spans[-1][1]
            opened = max(
                d.year_start + 2 * DAY, left - datetime.timedelta(days=rng.randint(10, 16))
            )
            case = self.case(p, min(opened, left))
            # Two visits before the dropout was recorded (the movement closes the case; no visit
            # is recorded on a closed case), then the village team and the commune brought the
            # student back: the return puts the case back to monitoring.
            team = self.team_for(p)
            days = _spread(rng, case.opened_on, left, 2)
            self.visit(case, days[0], OUT.WILL_THINK)
            self.visit(case, days[1], OUT.REFUSES, village=self._team_head(team))
            self.status(case, left, S.DROPPED_OUT, d.clerk or case.owner, p.spans[-2][5])
            middle = _spread(rng, left + DAY, back - DAY, 2)
            self.partner_event(case, middle[0], Partner.Kind.VILLAGE_TEAM, partner_name=team)
            self.partner_event(case, middle[1], Partner.Kind.COMMUNE)
            self.status(case, back, S.MONITORING, text="Em đi học lại sau khi được vận động.")
            if (story - back).days >= 14:
                self.status(
                    case,
                    _day(rng, back + 14 * DAY, min(story, back + 21 * DAY)),
                    S.RETURNED,
                    text=rng.choice(RETURNED_NOTES),
                )
        transfers = sorted(
            (
                p
                for p in d.pupils
                if p.spans[-1][4] == Enrollment.EndKind.TRANSFER_OUT and p.spans[-1][2] <= story
            ),
            key=lambda p: (-self.score(p), p.code),
        )
        for p in transfers[:1]:
            end = p.spans[-1][2]
            opened = max(d.year_start + DAY, end - datetime.timedelta(days=rng.randint(8, 14)))
            case = self.case(p, min(opened, end), source=RiskCase.Source.STUDENT)
            visit = self.visit(case, _day(rng, case.opened_on, end), OUT.WILL_THINK)
            visit.family_view = (
                "Gia đình dự định đưa em theo cha mẹ đi làm ăn xa; GVCN tư vấn làm thủ tục chuyển "
                "trường để việc học của em không bị gián đoạn."
            )
            visit.next_step = "Hướng dẫn gia đình làm hồ sơ chuyển trường"
            self.status(case, end, S.TRANSFERRED, d.clerk or case.owner, p.spans[-1][5])

    def _team_head(self, team: str) -> str:
        for partner in self.plan.partners:
            if partner["name"] == team:
                return partner["contact_person"].split(" – ")[0]
        return ""

    def leadership(self, case, day, action, by, text=""):
        texts = {
            CaseEvent.Action.OWN_VISIT: "Phó hiệu trưởng cùng GVCN đến nhà vận động.",
            CaseEvent.Action.COMMUNE_MEETING: "Làm việc với UBND xã về trường hợp của em, đề nghị "
            "xã hỗ trợ và chỉ đạo tổ vận động ấp cùng vận động.",
            CaseEvent.Action.VILLAGE_TEAM: "Đề nghị tổ vận động ấp đến nhà vận động, báo lại nhà "
            "trường trong tuần.",
            CaseEvent.Action.SUPPORT: "Vận động Hội khuyến học xã trao học bổng và xe đạp cho em.",
        }
        partner = ""
        if action == CaseEvent.Action.COMMUNE_MEETING:
            partner = self.partner_by_kind.get(Partner.Kind.COMMUNE, "")
        elif action == CaseEvent.Action.VILLAGE_TEAM:
            partner = self.team_for(case.pupil)
        case.events.append(
            EventPlan(
                CaseEvent.Kind.LEADERSHIP,
                day,
                by or self.data.principal,
                text or texts[action],
                action=action,
                partner=partner,
            )
        )

    # --- students still at school -------------------------------------------------------------
    def steady_cases(self) -> None:
        d, rng = self.data, self.rng
        story = d.story_day
        last = story - DAY
        # Students with an alert nobody answered yet are left for the GVCN to open from the alert.
        pool = [p for p in d.pupils if p.enrolled and p.id not in self.taken and not p.open_alert]
        ranked = sorted(pool, key=lambda p: (-self.score(p), p.code))
        ranked = [p for p in ranked if self.score(p) >= 6]
        size = sum(1 for p in d.pupils if p.enrolled)

        picks = Counter()

        def take(pred=lambda p: True) -> Pupil | None:
            """The next most at-risk student; every fourth time one is passed over and nobody
            takes them on ("forgotten": no case, no mentor)."""
            picks["n"] += 1
            skip = picks["n"] % 4 == 0 and len(self.plan.forgotten) < 4
            for p in ranked:
                if p.id in self.taken or p.id in self.plan.forgotten or not pred(p):
                    continue
                if skip and not p.covered:  # not even in a tutoring group
                    self.plan.forgotten.append(p.id)
                    skip = False
                    continue
                return p
            return None

        # 1. The escalated case: three failed visits, then the leadership's actions.
        first_grades = set()
        if d.first:
            vp = next((u for u, _ in d.vps if d.usernames.get(u) == "phohieutruong"), None)
            first_grades = next((g for u, g in d.vps if u == vp), set())
        esc = take(lambda p: not first_grades or self.grade(p) in first_grades)
        if esc is not None:
            self.escalated(esc)
        # 2. gvcn's case with a visit due on the story's day.
        if d.first:
            gvcn_class = next(
                (c for c, u in d.homeroom.items() if d.usernames.get(u) == "gvcn"), None
            )
            mine = [
                p
                for p in sorted(pool, key=lambda p: (-self.score(p), p.code))
                if p.classroom_id == gvcn_class and p.id not in self.taken
            ]
            if mine:
                lo = max(d.year_start + DAY, story - 30 * DAY)
                case = self.case(mine[0], _day(rng, lo, max(lo, story - 24 * DAY)))
                days = _spread(rng, case.opened_on + DAY, story - 7 * DAY, 2)
                self.visit(case, days[0], OUT.NOBODY_HOME)
                self.visit(case, days[1], OUT.WILL_RETURN, next_date=story)
                self.status(case, days[1], S.MONITORING, text="Em đã đi học lại, theo dõi thêm.")
        # 3. Open: recent, some from an answered alert; at most one visit so far.
        for _ in range(max(2, round(size / 250))):
            p = take()
            if p is None:
                break
            answered = [a for a in p.alerts if a[2]]
            if answered:
                opened = min(last, answered[-1][1] + rng.randint(0, 2) * DAY)
            else:
                opened = _day(rng, max(d.year_start, story - 20 * DAY), last)
            case = self.case(p, opened)
            if rng.random() < 0.6 and opened < last:
                self.visit(
                    case,
                    _day(rng, opened + DAY, last),
                    rng.choice([OUT.NOBODY_HOME, OUT.WILL_THINK]),
                )
            if rng.random() < 0.5:
                self.note(case, _day(rng, opened, last))
        # 4. Monitoring: the family agreed, the GVCN watches the attendance.
        for _ in range(max(2, round(size / 200))):
            p = take()
            if p is None:
                break
            opened = _day(rng, max(d.year_start, story - 50 * DAY), story - 15 * DAY)
            case = self.case(p, opened)
            visits = rng.choice([1, 2])
            days = _spread(rng, opened + DAY, story - 5 * DAY, visits)
            if visits == 2:
                self.visit(case, days[0], rng.choice([OUT.NOBODY_HOME, OUT.WILL_THINK]))
            self.visit(case, days[-1], OUT.WILL_RETURN)
            self.status(case, days[-1], S.MONITORING, text="Gia đình đồng ý, em đã đi học lại.")
            if rng.random() < 0.4:
                self.note(case, _day(rng, days[-1], last))
        # 5. Back at school, and closed.
        p = take()
        if p is not None:
            opened = _day(
                rng, d.year_start + 7 * DAY, max(d.year_start + 7 * DAY, story - 45 * DAY)
            )
            case = self.case(p, opened)
            days = _spread(rng, opened + DAY, min(opened + 12 * DAY, story - 2 * DAY), 2)
            self.visit(case, days[0], OUT.WILL_THINK)
            self.visit(case, days[1], OUT.WILL_RETURN)
            self.status(case, days[1], S.MONITORING, text="Em đi học lại.")
            if (story - days[1]).days > 14:
                self.partner_event(case, days[1] + 2 * DAY, Partner.Kind.LEARNING_PROMOTION)
                self.status(
                    case,
                    _day(rng, days[1] + 14 * DAY, story - DAY),
                    S.RETURNED,
                    text=rng.choice(RETURNED_NOTES),
                )
        p = take()
        if p is not None:
            opened = _day(
                rng, d.year_start + 5 * DAY, max(d.year_start + 5 * DAY, story - 40 * DAY)
            )
            case = self.case(p, opened)
            if rng.random() < 0.6:
                self.visit(case, opened + 2 * DAY, OUT.WILL_RETURN)
            self.note(case, opened + 3 * DAY)
            self.status(
                case,
                _day(rng, min(opened + 10 * DAY, last), last),
                S.CLOSED,
                d.principal,
                rng.choice(CLOSED_NOTES),
            )
        # A few more of the ranked students stay forgotten (no case, no mentor, no group).
        for p in ranked:
            if len(self.plan.forgotten) >= 3:
                break
            if p.id not in self.taken and p.id not in self.plan.forgotten and not p.covered:
                self.plan.forgotten.append(p.id)

    def escalated(self, p: Pupil) -> None:
        d, rng = self.data, self.rng
        story = d.story_day
        opened = max(d.year_start + 3 * DAY, story - rng.randint(40, 46) * DAY)
        case = self.case(p, opened, source=RiskCase.Source.WARNING)
        vp = self.vp_of(p)
        team = self.team_for(p)
        head = self._team_head(team)
        span = (story - opened).days
        at = [opened + round(span * f) * DAY for f in (0.05, 0.25, 0.45, 0.6, 0.65, 0.72, 0.8)]
        self.visit(case, at[0], OUT.NOBODY_HOME)
        self.note(case, at[0] + DAY, "Gọi điện nhiều lần cho gia đình nhưng không ai nghe máy.")
        self.visit(case, at[1], OUT.WILL_THINK)
        self.visit(
            case, at[2], OUT.REFUSES, staff=(d.youth,), signature=HomeVisit.Signature.REFUSED
        )
        # escalated now (third failed visit); the leadership steps in.
        self.leadership(case, at[3], CaseEvent.Action.OWN_VISIT, vp)
        self.visit(
            case,
            at[3],
            OUT.WILL_THINK,
            author=vp,
            staff=(case.owner,),
            village=head,
            signature=HomeVisit.Signature.DRAWN,
        )
        self.leadership(case, at[4], CaseEvent.Action.COMMUNE_MEETING, d.principal)
        self.leadership(case, at[4], CaseEvent.Action.VILLAGE_TEAM, vp)
        self.partner_event(case, at[5], Partner.Kind.VILLAGE_TEAM, partner_name=team)
        self.leadership(case, at[6], CaseEvent.Action.SUPPORT, vp)
        case.visits[-1].next_date = story + rng.randint(2, 5) * DAY
        case.visits[-1].next_step = "Cùng tổ vận động ấp đến nhà lần nữa, trao học bổng cho em"
        self.plan.supports.append(
            SupportPlan(
                p.id,
                Support.Kind.SCHOLARSHIP,
                "Học bổng Hội khuyến học xã",
                Decimal(1_500_000),
                at[6],
                vp,
                sponsor=f"Hội Khuyến học {d.commune}",
                case=case,
            )
        )

    # --- support -------------------------------------------------------------------------------
    def supports(self) -> None:
        d, rng = self.data, self.rng
        sponsors = [s["name"] for s in self.plan.sponsors]
        for case in self.plan.cases:
            p = case.pupil
            if case.status in (S.TRANSFERRED, S.CLOSED):
                continue
            end = case.ended_on or d.story_day - DAY
            count = 2 if case.status == S.RETURNED else (1 if rng.random() < 0.7 else 0)
            for _ in range(count):
                day = _day(rng, min(case.opened_on + 3 * DAY, end), end)
                self.support(p, day, sponsors, case=case)
        poor = [
            p
            for p in d.pupils
            if p.enrolled
            and p.household == Student.Household.POOR
            and p.id not in self.taken
            and p.id not in self.plan.forgotten
        ]
        for p in poor:
            if rng.random() < 0.3:
                day = _day(rng, d.year_start, min(d.story_day - DAY, d.year_start + 45 * DAY))
                self.support(p, day, sponsors, material_only=True)

    def support(self, p, day, sponsors, *, case=None, material_only=False):
        rng, d = self.rng, self.data
        by = rng.choice([self.gvcn_of(p), d.clerk or self.gvcn_of(p)])
        if not material_only and rng.random() < 0.3:
            kind, text = rng.choice(MORAL)
            self.plan.supports.append(SupportPlan(p.id, kind, text, None, day, by, case=case))
            return
        kind, text, (lo, hi), step = rng.choice(MATERIAL)
        value = Decimal(rng.randrange(lo, hi + 1, step) * 1000)
        sponsor = rng.choice(sponsors) if rng.random() < 0.85 else ""
        self.plan.supports.append(
            SupportPlan(p.id, kind, text, value, day, by, sponsor=sponsor, case=case)
        )

    # --- mentors -------------------------------------------------------------------------------
    def mentors(self) -> None:
        d, rng = self.data, self.rng
        story = d.story_day
        if not d.teachers:
            return
        active_cases = [c for c in self.plan.cases if c.status in RiskCase.ACTIVE]
        forgotten = set(self.plan.forgotten)
        mentored: set[int] = set()
        load: Counter = Counter()
        named = {d.usernames[t]: t for t in d.teachers}

        def reason_of(p: Pupil) -> str:
            at_risk = p.id in self.taken or self.score(p) >= 8
            if p.weak and at_risk:
                return Mentorship.Reason.BOTH
            return Mentorship.Reason.WEAK if p.weak else Mentorship.Reason.AT_RISK

        def assign(teacher, p, start, *, end=None, end_reason=""):
            slot = 1 if load[teacher] == 0 else 2
            if end is None:
                load[teacher] += 1
                mentored.add(p.id)
            reason = reason_of(p)
            subject = SUBJECT_WORDS.get(
                next((s for s in p.weak if s), d.subject.get(teacher, "TOAN")), "Toán"
            )
            leader = self.vp_of(p) if rng.random() < 0.7 else teacher
            m = MentorPlan(
                teacher=teacher,
                student_id=p.id,
                slot=slot,
                reason=reason,
                goals=rng.choice(MENTOR_GOALS[reason]).format(subject=subject),
                start=start,
                created_by=leader,
                end=end,
                end_reason=end_reason,
            )
            last = min(end or story - DAY, story - DAY)
            day = start + rng.randint(1, 5) * DAY
            while day <= last and len(m.contacts) < 6:
                method = _weighted(rng, CONTACT_METHODS)
                m.contacts.append((day, method, rng.choice(CONTACT_TEXTS[method])))
                day += rng.randint(6, 13) * DAY
            self.plan.mentorships.append(m)
            return m

        def start_for(p: Pupil) -> datetime.date:
            case = next((c for c in self.plan.cases if c.pupil.id == p.id), None)
            lo = case.opened_on + 2 * DAY if case else d.year_start + 25 * DAY
            lo = min(lo, story - 3 * DAY)
            return _day(rng, lo, min(lo + 10 * DAY, story - 3 * DAY))

        # giaovien: a weak student of a class they teach (when the register has one) and an
        # at-risk student, two active mentees.
        giaovien = named.get("giaovien")
        if giaovien is not None:
            classes = d.taught.get(giaovien, set())
            subject = d.subject.get(giaovien, "TOAN")
            mine = [
                p
                for p in d.pupils
                if p.enrolled and p.classroom_id in classes and p.id not in forgotten
            ]
            weak = sorted(
                (p for p in mine if subject in p.weak and (p.covered or p.id in self.taken)),
                key=lambda p: (-self.score(p), p.code),
            ) or sorted(
                (p for p in mine if p.weak and (p.covered or p.id in self.taken)),
                key=lambda p: (-self.score(p), p.code),
            )
            risky = sorted(
                (p for p in mine if not p.weak or p.id in self.taken),
                key=lambda p: (-(p.id in self.taken), -self.score(p), p.code),
            )
            for p in (weak[:1] + [r for r in risky if r not in weak[:1]])[:2]:
                assign(giaovien, p, start_for(p))

        others = [t for t in d.teachers if d.usernames[t] not in ("giaovien", "gvcn")]
        rng.shuffle(others)
        doubles = max(2, round(0.08 * len(others)))
        singles = max(2, round(0.25 * len(others)))
        capacity = {t: 2 for t in others[:doubles]}
        capacity |= {t: 1 for t in others[doubles : doubles + singles]}

        # Mentees: most students with an active case, then weak students already helped in a
        # group (weak students in no group stay uncovered), then other at-risk students.
        candidates = [c.pupil for c in active_cases if rng.random() < 0.7]
        weak = [
            p for p in d.pupils if p.enrolled and p.weak and p.covered and p.id not in forgotten
        ]
        risky = sorted(
            (
                p
                for p in d.pupils
                if p.enrolled
                and p.id not in self.taken
                and p.id not in forgotten
                and self.score(p) >= 6
                and not p.open_alert
            ),
            key=lambda p: (-self.score(p), p.code),
        )
        rng.shuffle(weak)
        extra = []
        for pair in zip(risky, weak, strict=False):
            extra += list(pair)
        candidates += extra + risky[len(weak) :] + weak[len(risky) :]
        for p in candidates:
            if p.id in mentored:
                continue
            fits = [t for t in others if load[t] < capacity.get(t, 0)]
            if not fits:
                break
            teaching = [t for t in fits if p.classroom_id in d.taught.get(t, ())]
            # Fill the two-mentee teachers' second slot first so some teachers have two.
            teaching.sort(key=lambda t: -(capacity[t] == 2 and load[t] == 1))
            teacher = (teaching or fits)[0]
            assign(teacher, p, start_for(p))

        # A few mentorships that ended: the mentee caught up, or dropped out.
        ended_pool = [
            c.pupil for c in self.plan.cases if c.status in (S.RETURNED, S.DROPPED_OUT)
        ] + [p for p in weak if p.id not in mentored][:2]
        free = [t for t in others if capacity.get(t, 0) == 0]
        for p in ended_pool[: max(1, round(0.05 * len(others)))]:
            if p.id in mentored or not free:
                continue
            teacher = free.pop(rng.randrange(len(free)))
            start = _day(rng, d.year_start + 5 * DAY, d.year_start + 15 * DAY)
            case = next((c for c in self.plan.cases if c.pupil.id == p.id), None)
            if case is not None and case.status == S.DROPPED_OUT:
                end, why = case.ended_on, "Em đã bỏ học; tiếp tục theo hồ sơ vận động."
                start = min(start, end)
            else:
                end = min(story - DAY, start + rng.randint(25, 45) * DAY)
                why = rng.choice(MENTOR_ENDS)
            assign(teacher, p, start, end=max(end, start), end_reason=why)

    def amend(self) -> None:
        """One amendment to an older minute: the author adds what they learnt later."""
        rng = self.rng
        old = [
            v
            for c in self.plan.cases
            for v in c.visits
            if v.outcome != OUT.NOBODY_HOME
            and (self.data.story_day - timezone.localtime(v.started_at).date()).days > 3
        ]
        if old:
            v = rng.choice(old)
            v.amendment = (
                "Bổ sung: gia đình cung cấp thêm số điện thoại của người thân "
                f"({self.namer.phone()}) để GVCN liên lạc khi cần."
            )


def _namer(rng: random.Random):
    from schools.demo import Namer

    return Namer(rng, ((N.KINH, 80), (N.KHMER, 15), (N.HOA, 5)))


def _subjects(codes: list[str]) -> str:
    words = [SUBJECT_WORDS.get(c, "") for c in codes if c]
    words = [w for w in dict.fromkeys(words) if w]
    return "môn " + ", ".join(words) if words else "nhiều môn"


def _guardian_words(p: Pupil) -> str:
    """Who the student lives with: "bà Thạch Thị Sa Rây", "mẹ là bà Lê Thị Hoa"."""
    if not p.guardians:
        return "người thân"
    name, relation, _ = p.guardians[0]
    title = "bà" if _woman(name, relation) else "ông"
    if relation in (Guardian.Relation.MOTHER, Guardian.Relation.FATHER):
        return f"{N.RELATION_WORDS[relation]} là {title} {name}"
    return f"{title} {name}"


def _orphan_words(p: Pupil) -> str:
    if p.orphan == Student.Orphan.BOTH_PARENTS:
        return "cả cha lẫn mẹ"
    relation = p.guardians[0][1] if p.guardians else ""
    return "mẹ" if relation == Guardian.Relation.FATHER else "cha"


def plan_school_risk(data: RiskData, *, seed: int) -> RiskPlan:
    """Every row of one school's risk work (no queries)."""
    return Planner(data, seed).run()


# --- Images -----------------------------------------------------------------------------------
SIGNATURE_SIZE = (400, 150)
SUPERSAMPLE = 2


def _catmull_rom(points: list[tuple[float, float]], per: int = 10) -> list[tuple[float, float]]:
    """A smooth curve through ``points`` (Catmull–Rom, ``per`` steps between two points)."""
    pts = [points[0], *points, points[-1]]
    out = []
    for i in range(1, len(pts) - 2):
        p0, p1, p2, p3 = pts[i - 1], pts[i], pts[i + 1], pts[i + 2]
        for k in range(per):
            t = k / per
            t2, t3 = t * t, t * t * t
            out.append(
                tuple(
                    0.5
                    * (
                        2 * p1[j]
                        + (p2[j] - p0[j]) * t
                        + (2 * p0[j] - 5 * p1[j] + 4 * p2[j] - p3[j]) * t2
                        + (3 * p1[j] - p0[j] - 3 * p2[j] + p3[j]) * t3
                    )
                    for j in (0, 1)
                )
            )
    out.append(points[-1])
    return out


def _capital(rng: random.Random, x: float, base: float, top: float):
    """An initial: an up-stroke, a loop at the top, a long down-stroke that runs on."""
    w = rng.uniform(30, 50)
    points = [
        (x, base - rng.uniform(5, 15)),
        (x + w * 0.5, top + rng.uniform(0, 10)),
        (x + w * 0.9, top + rng.uniform(-4, 6)),
        (x + w * 0.6, top + rng.uniform(12, 20)),
        (x + w * 0.25, base),
        (x + w * 0.5, base + rng.uniform(4, 10)),
        (x + w, base - rng.uniform(8, 18)),
    ]
    return points, x + w


def _letters(rng: random.Random, x: float, base: float, x_height: float, count: int):
    """Small cursive letters; some tall ones are narrow loops (up on the right, down the left)."""
    points = []
    for _ in range(count):
        tall = rng.random() < 0.3
        h = x_height * (2.0 if tall else rng.uniform(0.85, 1.1))
        w = rng.uniform(13, 22)
        if tall:
            points += [(x + w * 0.9, base - h), (x + w * 0.3, base - h * 0.8), (x + w * 0.4, base)]
        else:
            points += [(x + w * 0.45, base - h), (x + w * 0.6, base - h * 0.2), (x + w, base)]
        x += w
    return points, x


def _signature_strokes(name: str, key: str, ink: float = 1.0):
    """The strokes of a hand-drawn signature of ``name`` (its initials and a flourish), in a
    400×150 box, the same for the same name and key."""
    rng = random.Random(f"dong-hanh-signature:{key}:{name}")  # noqa: S311 - demo data
    words = name.split() or ["X"]
    base = rng.uniform(92, 108)
    slant = rng.uniform(0.12, 0.35)
    x = rng.uniform(25, 55)
    strokes = []
    capital, x = _capital(rng, x, base, rng.uniform(18, 32))
    run, x = _letters(rng, x, base, rng.uniform(18, 26), rng.randint(3, 5))
    strokes.append(capital + run)
    if len(words) > 2 and rng.random() < 0.6:  # the given name's initial too
        x += rng.uniform(6, 16)
        capital, x = _capital(rng, x, base, rng.uniform(22, 36))
        run, x = _letters(rng, x, base, rng.uniform(16, 24), rng.randint(2, 4))
        strokes.append(capital + run)
    strokes.append(  # the flourish: from the last letter back under the name
        [
            (x, base),
            (x + rng.uniform(10, 30), base + rng.uniform(5, 15)),
            (rng.uniform(40, 90), base + rng.uniform(18, 30)),
            (rng.uniform(15, 35), base + rng.uniform(12, 22)),
        ]
    )
    width = rng.uniform(2.0, 3.0) * ink
    out = []
    for points in strokes:
        curve = _catmull_rom([(px + slant * (base - py), py) for px, py in points])
        scale = min(1.0, (SIGNATURE_SIZE[0] - 20) / max(px for px, _ in curve))
        out.append([(px * scale, min(SIGNATURE_SIZE[1] - 5, max(5, py))) for px, py in curve])
    return out, width


def signature_png(name: str, key: str) -> tuple[bytes, int, int]:
    """A signature drawn on the screen: black on white, 400×150 PNG of a few kilobytes."""
    from PIL import Image, ImageDraw

    w, h = SIGNATURE_SIZE
    img = Image.new("L", (w * SUPERSAMPLE, h * SUPERSAMPLE), 255)
    draw = ImageDraw.Draw(img)
    strokes, width = _signature_strokes(name, key)
    for curve in strokes:
        draw.line(
            [(x * SUPERSAMPLE, y * SUPERSAMPLE) for x, y in curve],
            fill=0,
            width=round(width * SUPERSAMPLE),
            joint="curve",
        )
    img = img.reduce(SUPERSAMPLE)
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue(), w, h


def paper_minute_jpeg(signers: list[str], key: str) -> tuple[bytes, int, int]:
    """A phone photo of a paper minute: a slightly turned page of printed lines with handwritten
    answers and signatures, on a table; JPEG."""
    from PIL import Image, ImageDraw, ImageFilter

    rng = random.Random(f"dong-hanh-paper:{key}")  # noqa: S311 - demo data
    w, h = 720, 960
    page_w, page_h = 560, 790
    page = Image.new("RGB", (page_w, page_h), (246, 244, 236))
    draw = ImageDraw.Draw(page)
    grey, blue = (95, 95, 95), (28, 48, 140)

    def printed(x, y, length, height=5):
        while length > 0:
            word = min(length, rng.randint(14, 60))
            draw.rectangle([x, y, x + word, y + height], fill=grey)
            x += word + rng.randint(5, 9)
            length -= word + 7

    def handwritten(x, y, length):
        points, px, phase = [], x, rng.uniform(0, 6.3)
        while px < x + length:
            points.append((px, y + 3 * math.sin(phase + px / 4.5) + rng.uniform(-1.2, 1.2)))
            px += rng.uniform(2.5, 4)
        if len(points) > 1:
            draw.line(points, fill=blue, width=2)

    # Header: the school on the left, the national motto on the right, the title.
    printed(40, 40, 170)
    printed(55, 56, 140)
    printed(320, 40, 200)
    printed(335, 56, 170)
    printed(190, 110, 180, 8)
    printed(150, 130, 260)
    y = 175
    while y < 590:
        label = rng.randint(60, 190)
        printed(40, y, label)
        if rng.random() < 0.75:
            handwritten(40 + label + 12, y + 3, rng.randint(120, 480 - label))
        y += rng.choice([22, 22, 26, 34])
    # Signature row.
    columns = [60, 220, 390]
    for i, x in enumerate(columns):
        printed(x, 630, 100)
        if i < len(signers):
            strokes, _ = _signature_strokes(signers[i], key, ink=0.7)
            for curve in strokes:
                draw.line(
                    [(x - 10 + cx * 0.38, 650 + cy * 0.45) for cx, cy in curve], fill=blue, width=2
                )
            printed(x, 730, 90)
    # A table under the page, the page turned a little, a soft light from one side.
    photo = Image.new("RGB", (w, h), (120, 92, 64))
    turn = rng.choice([Image.Transpose.ROTATE_90, Image.Transpose.ROTATE_270])
    shade = Image.linear_gradient("L").transpose(turn).resize((w, h))
    photo = Image.composite(photo, Image.new("RGB", (w, h), (92, 68, 46)), shade)
    turned = page.convert("RGBA").rotate(
        rng.uniform(-4, 4), expand=True, resample=Image.Resampling.BILINEAR
    )
    photo.paste(turned, ((w - turned.width) // 2, (h - turned.height) // 2), turned)
    photo = photo.filter(ImageFilter.BoxBlur(1))
    out = io.BytesIO()
    photo.save(out, "JPEG", quality=72)
    return out.getvalue(), w, h


# --- Writing ----------------------------------------------------------------------------------
@dataclass
class RiskReport:
    schools: int = 0
    partners: int = 0
    sponsors: int = 0
    cases: int = 0
    by_status: Counter = field(default_factory=Counter)
    escalated: int = 0
    events: int = 0
    visits: int = 0
    signatures: int = 0
    paper_minutes: int = 0
    refused: int = 0
    amendments: int = 0
    supports: int = 0
    support_value: Decimal = Decimal(0)
    mentorships: int = 0
    mentorships_ended: int = 0
    teachers_with_two: int = 0
    contacts: int = 0
    forgotten: int = 0
    seconds: float = 0.0

    def add(self, other: RiskReport) -> None:
        for name in self.__dataclass_fields__:
            if name != "seconds":
                setattr(self, name, getattr(self, name) + getattr(other, name))

    def summary(self) -> str:
        statuses = ", ".join(
            f"{self.by_status[s]} {s.value.replace('_', ' ')}"
            for s in RiskCase.Status
            if self.by_status[s]
        )
        money = f"{int(self.support_value):,}".replace(",", ".")
        return (
            f"{self.cases} risk cases ({statuses}; {self.escalated} escalated), {self.events} "
            f"timeline events, {self.visits} home visits ({self.signatures} signed on the screen, "
            f"{self.paper_minutes} on paper, {self.refused} refused), {self.partners} partners, "
            f"{self.sponsors} sponsors, {self.supports} supports ({money} đ), "
            f"{self.mentorships} mentorships ({self.mentorships_ended} ended, "
            f"{self.teachers_with_two} teachers with two mentees), {self.contacts} mentor contacts"
        )


def write_plan(data: RiskData, plan: RiskPlan, *, history: bool) -> RiskReport:
    """Insert one school's plan (the caller holds the transaction)."""
    report = RiskReport(schools=1, forgotten=len(plan.forgotten))
    user_ids = {data.principal, data.clerk, data.youth, *data.names}
    users = User.objects.in_bulk([u for u in user_ids if u])
    now_ish = _local(data.story_day, 7, 0)

    def at(day: datetime.date, hour: int = 17) -> datetime.datetime:
        return _local(day, hour, 0)

    partners = _bulk(
        Partner,
        [
            _signed(
                Partner(school_id=data.school_id, **values),
                users.get(data.principal),
                at(data.year_start, 8),
            )
            for values in plan.partners
        ],
        history,
    )
    partner_ids = {p.name: p.pk for p in partners}
    sponsors = _bulk(
        Sponsor,
        [
            _signed(
                Sponsor(school_id=data.school_id, **values),
                users.get(data.clerk),
                at(data.year_start, 9),
            )
            for values in plan.sponsors
        ],
        history,
    )
    sponsor_ids = {s.name: s.pk for s in sponsors}

    cases = []
    for c in plan.cases:
        last = max([c.opened_on] + [e.date for e in c.events])
        row = RiskCase(
            school_year_id=data.year_id,
            student_id=c.pupil.id,
            owner_id=c.owner,
            opened_on=c.opened_on,
            opened_by_id=c.opened_by,
            source=c.source,
            alert_id=c.alert_id,
            risk_factors=",".join(c.factors),
            summary=c.summary,
            status=c.status,
            escalated_at=c.escalated_at,
            escalation_reason=c.escalation_reason,
            ended_on=c.ended_on,
            end_note=c.end_note[:255],
            dropout_override_reason=c.override_reason,
            dropout_override_by_id=c.override_by if c.override_reason else None,
            version=sum(1 for e in c.events if e.kind == CaseEvent.Kind.STATUS),
        )
        cases.append(_signed(row, users.get(c.opened_by), min(now_ish, at(last, 18))))
    cases = _bulk(RiskCase, cases, history)
    events = []
    for c, row in zip(plan.cases, cases, strict=True):
        for e in c.events:
            events.append(
                CaseEvent(
                    case_id=row.pk,
                    kind=e.kind,
                    action=e.action,
                    partner_id=partner_ids.get(e.partner),
                    date=e.date,
                    text=e.text,
                    old_status=e.old,
                    new_status=e.new,
                    recorded_by_id=e.by,
                )
            )
    CaseEvent.objects.bulk_create(events, batch_size=2000)

    visits, staff, attachments, amendments = [], [], [], []
    flat = [(row, v) for c, row in zip(plan.cases, cases, strict=True) for v in c.visits]
    numbers = [n for c in plan.cases for n in range(1, len(c.visits) + 1)]
    for number, (row, v) in zip(numbers, flat, strict=True):
        visits.append(
            _signed(
                HomeVisit(
                    case_id=row.pk,
                    number=number,
                    author_id=v.author,
                    started_at=v.started_at,
                    ended_at=v.ended_at,
                    place=v.place,
                    address=v.address,
                    latitude=v.gps[0] if v.gps else None,
                    longitude=v.gps[1] if v.gps else None,
                    people_met=v.people_met,
                    student_present=v.student_present,
                    content=v.content,
                    school_view=v.school_view,
                    family_view=v.family_view,
                    student_view=v.student_view,
                    support_offered=v.support_offered,
                    causes=v.causes,
                    commitments=v.commitments,
                    outcome=v.outcome,
                    return_date=v.return_date,
                    next_step=v.next_step,
                    next_date=v.next_date,
                    signature_kind=v.signature_kind,
                    signer_name=v.signer_name,
                    signature_note=v.signature_note,
                ),
                users.get(v.author),
                v.started_at + datetime.timedelta(hours=2),
            )
        )
    visits = _bulk(HomeVisit, visits, history)
    cache: dict[str, tuple[bytes, int, int]] = {}
    Through = HomeVisit.staff_present.through  # noqa: N806
    for (row, v), visit in zip(flat, visits, strict=True):
        staff += [Through(homevisit_id=visit.pk, user_id=u) for u in dict.fromkeys(v.staff) if u]
        key = f"{data.code}:{row.student_id}"
        if v.signature_kind == HomeVisit.Signature.DRAWN:
            if v.signer_name not in cache:
                cache[v.signer_name] = signature_png(v.signer_name, key)
            content, w, h = cache[v.signer_name]
            attachments.append(
                VisitAttachment(
                    visit_id=visit.pk,
                    kind=VisitAttachment.Kind.SIGNATURE,
                    content=content,
                    content_type="image/png",
                    size=len(content),
                    width=w,
                    height=h,
                )
            )
            report.signatures += 1
        elif v.signature_kind == HomeVisit.Signature.PAPER:
            signers = [v.signer_name, data.names.get(v.author, "")]
            content, w, h = paper_minute_jpeg(signers, f"{key}:{visit.number}")
            attachments.append(
                VisitAttachment(
                    visit_id=visit.pk,
                    kind=VisitAttachment.Kind.PAPER,
                    content=content,
                    content_type="image/jpeg",
                    size=len(content),
                    width=w,
                    height=h,
                )
            )
            report.paper_minutes += 1
        elif v.signature_kind == HomeVisit.Signature.REFUSED:
            report.refused += 1
        if v.amendment:
            amendments.append(
                VisitAmendment(visit_id=visit.pk, author_id=v.author, text=v.amendment)
            )
    staff = Through.objects.bulk_create(staff, batch_size=2000)
    if history and staff:
        _staff_history(visits, staff)
    VisitAttachment.objects.bulk_create(attachments, batch_size=200)
    VisitAmendment.objects.bulk_create(amendments)

    case_ids = {id(c): row.pk for c, row in zip(plan.cases, cases, strict=True)}
    supports = [
        _signed(
            Support(
                school_year_id=data.year_id,
                student_id=s.student_id,
                sponsor_id=sponsor_ids.get(s.sponsor),
                case_id=case_ids.get(id(s.case)) if s.case is not None else None,
                kind=s.kind,
                description=s.description,
                value=s.value,
                date=s.date,
                recorded_by_id=s.by,
            ),
            users.get(s.by),
            at(s.date, 16),
        )
        for s in plan.supports
    ]
    _bulk(Support, supports, history)

    mentorships = _bulk(
        Mentorship,
        [
            _signed(
                Mentorship(
                    school_year_id=data.year_id,
                    teacher_id=m.teacher,
                    student_id=m.student_id,
                    slot=m.slot,
                    reason=m.reason,
                    goals=m.goals,
                    start_date=m.start,
                    end_date=m.end,
                    end_reason=m.end_reason,
                    created_by_id=m.created_by,
                ),
                users.get(m.created_by),
                at(m.start, 15),
            )
            for m in plan.mentorships
        ],
        history,
    )
    contacts = [
        MentorContact(
            mentorship_id=row.pk,
            date=day,
            method=method,
            content=text,
            recorded_by_id=m.teacher,
        )
        for m, row in zip(plan.mentorships, mentorships, strict=True)
        for day, method, text in m.contacts
    ]
    MentorContact.objects.bulk_create(contacts, batch_size=2000)

    report.partners = len(partners)
    report.sponsors = len(sponsors)
    report.cases = len(cases)
    report.by_status = Counter(c.status for c in plan.cases)
    report.escalated = sum(1 for c in plan.cases if c.escalated_at is not None)
    report.events = len(events)
    report.visits = len(visits)
    report.amendments = len(amendments)
    report.supports = len(supports)
    report.support_value = sum((s.value or Decimal(0) for s in plan.supports), Decimal(0))
    active = Counter(m.teacher for m in plan.mentorships if m.end is None)
    report.mentorships = len(mentorships)
    report.mentorships_ended = sum(1 for m in plan.mentorships if m.end is not None)
    report.teachers_with_two = sum(1 for n in active.values() if n == 2)
    report.contacts = len(contacts)
    return report


def _staff_history(visits: list[HomeVisit], staff: list) -> None:
    """The staff present on each visit's "created" history row (bulk inserts send no m2m
    signals, so simple_history would not record them)."""
    historical = HomeVisit.history.model
    latest = {
        visit_id: history_id
        for history_id, visit_id in historical.objects.filter(
            id__in=[v.pk for v in visits]
        ).values_list("history_id", "id")
    }
    through = apps.get_model("retention", "HistoricalHomeVisit_staff_present")
    through.objects.bulk_create(
        [
            through(
                id=row.pk,
                history_id=latest[row.homevisit_id],
                homevisit_id=row.homevisit_id,
                user_id=row.user_id,
            )
            for row in staff
            if row.homevisit_id in latest
        ],
        batch_size=2000,
    )


def seed_school_risk(
    school: School, *, seed: int, story_day: datetime.date, first: bool, history: bool
) -> RiskReport | None:
    """One school's risk work in one transaction; None when it already has some (idempotent) or
    has no current year."""
    year = current_year(school)
    if year is None or has_risk_data(school):
        return None
    story_day = min(story_day, year.end_date)
    with transaction.atomic():
        data = load_school(school, year, story_day, first)
        plan = plan_school_risk(data, seed=seed)
        return write_plan(data, plan, history=history)


def seed_risk(options, codes: list[str], report, log: Callable[[str], None]) -> None:
    """Risk cases, visits, partners, sponsors and mentors for every demo school (``codes``, in
    index order) that has none yet; ``report.risk`` gets the totals."""
    started = time.perf_counter()
    total = RiskReport()
    story_day, _partial = options.story_day()
    schools = {s.code: s for s in School.objects.filter(code__in=codes)}
    for index, code in enumerate(codes):
        school = schools.get(code)
        if school is None:
            continue
        mine = seed_school_risk(
            school,
            seed=options.seed,
            story_day=story_day,
            first=index == 0,
            history=options.history,
        )
        if mine is None:
            continue
        total.add(mine)
        log(f"  {code} risk: {mine.summary()}")
    total.seconds = time.perf_counter() - started
    report.risk = total
