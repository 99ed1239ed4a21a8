"""The demo district's results, weak-student register and free tutoring (``seed_demo``).

Called by ``schools.demo.seed_district`` after the attendance. Every demo school whose years have
no results, weak records, plans or groups yet gets, in one transaction:

* **Last year (2025-2026)**: its classes and enrollments if it has none (this year's grade 7–9
  students were in the class of the grade below with the same suffix, 8A2 ← 7A2, all year; last
  year's grade 9 is a cohort of graduates with no enrollment this year); semester I and II
  averages of every subject, the year averages (ĐTBcn = (HKI + 2·HKII)/3) and the learning results
  (TT22, with conduct); the weak register from semester I (causes, confirmed by the GVCN, resolved
  when a later result is no longer weak); remedial groups per grade for Toán, Ngữ văn and Ngoại
  ngữ 1 from semester II with every session, attendance and checkpoints; grade-9 exam review;
  peer pairs with outcomes; streaming counselling of grade 9; the school's plan.
* **This year (2026-2027, semester I running)**: the start-of-year survey (khảo sát) in Toán,
  Ngữ văn and Ngoại ngữ 1; the weak register from the survey and from last year's results
  (contract 2 of the issue: the latest result of each subject), some proposed and not yet
  confirmed, a few referrals and a few dismissed; plans at three levels; remedial groups from
  early October with their sessions up to the story's day (some due and not recorded yet, always
  one of ``giaovien``'s), exam-review groups, peer pairs, counselling, learning contacts with
  families. A few weak students are in no group and no pair: the "not yet covered" list.

Scores come from one seeded generator per student (an ability, a bias per subject, noise per
term), so a school is the same on every run; students weak in a subject in semester I who were
tutored gain more in semester II than the others. Learning results are computed with
``tutoring.rules``. Every row has its history row, signed and dated like the attendance's
(``schools.demo_attendance._signed``). The big tables (results, learning results, session
attendance, and the register, members, sessions, checkpoints, counselling) go in with one
prepared INSERT run for every row (SQLite) or COPY (PostgreSQL) rather than ``bulk_create``:
about ten times faster for the 40-school benchmark; see ``Writer``.
"""

from __future__ import annotations

import datetime
import math
import random
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection, models, transaction
from django.utils import timezone

from lib import demo_names as N
from lib.vietnamese import name_sort_key, unaccent
from retention.models import FamilyContact
from schools.demo import ClassPlan, Namer, SpanPlan, _plan_student, template_for
from schools.demo_attendance import HISTORY_REASON, _bulk, _local, _signed
from schools.models import (
    Classroom,
    Role,
    RoleAssignment,
    School,
    SchoolSettings,
    SchoolYear,
    Subject,
    SubjectGroup,
    User,
)
from students.models import Enrollment, Guardian, Student

from . import rules
from .models import (
    WEAK_LEVELS,
    Checkpoint,
    Comment,
    Counselling,
    GroupKind,
    LevelCode,
    Membership,
    PeerPair,
    PlanGoal,
    ScheduleSlot,
    SessionAttendance,
    SubjectResult,
    Term,
    TermResult,
    TutoringGroup,
    TutoringPlan,
    TutoringSession,
    WeakCause,
    WeakRecord,
)

D = datetime.date
DAY = datetime.timedelta(days=1)
BATCH = 2000
GRADUATE_CODES_FROM = 90001  # graduates' student codes: school code + 9xxxx
MIN_GROUP = 2  # students; fewer: no group

CORE = ("TOAN", "NV", "NN1")  # the subjects with groups, the survey and the entrance exam
SCORED = ("NV", "TOAN", "NN1", "GDCD", "LSDL", "KHTN", "CN", "TIN")
COMMENTED = ("GDTC", "NT", "HDTN", "GDDP")
MINORITY_LANGUAGE = "TDT"  # Khmer students of the boarding school study it (elective, scored)
# Mean semester average per subject; a student's score adds 0.95·ability + their bias in the
# subject (sd 0.55) + noise (sd 0.3): about 7 % weak in Toán, Ngữ văn and Ngoại ngữ 1, fewer in
# the others; about 10 % Tốt, 45 % Khá, 40 % Đạt, 4 % Chưa đạt.
MEAN = {
    "NV": 6.85,
    "TOAN": 6.65,
    "NN1": 6.7,
    "GDCD": 7.85,
    "LSDL": 7.15,
    "KHTN": 6.95,
    "CN": 7.65,
    "TIN": 7.55,
    "TDT": 7.3,
}
LEVELS = {
    rules.Level.TOT: LevelCode.TOT,
    rules.Level.KHA: LevelCode.KHA,
    rules.Level.DAT: LevelCode.DAT,
    rules.Level.CHUA_DAT: LevelCode.CHUA_DAT,
}
COMMENT_LABELS = {Comment.PASS: rules.DAT_LABEL, Comment.FAIL: rules.CHUA_DAT_LABEL}
CONDUCT = (
    (rules.Level.TOT, rules.Level.KHA, rules.Level.DAT, rules.Level.CHUA_DAT),
    (72, 20, 6.5, 1.5),
    (48, 32, 16, 4),  # weaker students
)

# --- Texts ------------------------------------------------------------------------------------
# What a group works on, per subject and grade: (semester I, semester II), in program order
# (Kết nối tri thức / Global Success). Spread over the group's sessions.
TOPICS: dict[tuple[str, int], tuple[tuple[str, ...], tuple[str, ...]]] = {
    ("TOAN", 6): (
        (
            "Tập hợp và cách viết tập hợp",
            "Thứ tự thực hiện các phép tính với số tự nhiên",
            "Lũy thừa với số mũ tự nhiên",
            "Dấu hiệu chia hết cho 2, 3, 5, 9",
            "Số nguyên tố, phân tích một số ra thừa số nguyên tố",
            "Ước chung lớn nhất và bội chung nhỏ nhất",
            "Cộng, trừ số nguyên",
            "Nhân, chia số nguyên; quy tắc dấu ngoặc",
            "Chu vi và diện tích hình chữ nhật, hình thoi, hình bình hành",
        ),
        (
            "Phân số bằng nhau, rút gọn phân số",
            "So sánh phân số",
            "Cộng, trừ phân số",
            "Nhân, chia phân số",
            "Số thập phân và các phép tính với số thập phân",
            "Tỉ số và tỉ số phần trăm",
            "Điểm, đường thẳng, đoạn thẳng, trung điểm của đoạn thẳng",
            "Góc và số đo góc",
            "Đọc và vẽ biểu đồ cột",
        ),
    ),
    ("TOAN", 7): (
        (
            "Cộng, trừ, nhân, chia số hữu tỉ",
            "Lũy thừa của một số hữu tỉ",
            "Quy tắc dấu ngoặc và quy tắc chuyển vế",
            "Căn bậc hai số học, số vô tỉ, số thực",
            "Giá trị tuyệt đối của một số thực",
            "Góc ở vị trí đặc biệt, tia phân giác của một góc",
            "Hai đường thẳng song song và dấu hiệu nhận biết",
            "Tổng các góc trong một tam giác",
            "Các trường hợp bằng nhau của tam giác",
        ),
        (
            "Tỉ lệ thức, tính chất của dãy tỉ số bằng nhau",
            "Đại lượng tỉ lệ thuận, đại lượng tỉ lệ nghịch",
            "Biểu thức đại số và giá trị của biểu thức",
            "Đa thức một biến, sắp xếp đa thức",
            "Cộng, trừ đa thức một biến",
            "Nhân đa thức một biến",
            "Chia đa thức một biến",
            "Tam giác cân, đường trung trực của đoạn thẳng",
            "Làm quen với biến cố và xác suất",
        ),
    ),
    ("TOAN", 8): (
        (
            "Đơn thức, đa thức nhiều biến",
            "Cộng, trừ đa thức",
            "Ôn tập phép nhân đa thức",
            "Hằng đẳng thức: bình phương của một tổng, một hiệu",
            "Hằng đẳng thức: hiệu hai bình phương, lập phương của một tổng",
            "Phân tích đa thức thành nhân tử",
            "Tứ giác, hình thang cân",
            "Hình bình hành, hình chữ nhật",
            "Hình thoi, hình vuông",
            "Định lí Thalès trong tam giác",
        ),
        (
            "Phân thức đại số, tính chất cơ bản của phân thức",
            "Cộng, trừ phân thức đại số",
            "Nhân, chia phân thức đại số",
            "Phương trình bậc nhất một ẩn và cách giải",
            "Giải bài toán bằng cách lập phương trình",
            "Hàm số bậc nhất và đồ thị",
            "Các trường hợp đồng dạng của tam giác",
            "Định lí Pythagore và ứng dụng",
            "Hình chóp tam giác đều, hình chóp tứ giác đều",
        ),
    ),
    ("TOAN", 9): (
        (
            "Phương trình quy về phương trình bậc nhất một ẩn",
            "Giải hệ hai phương trình bậc nhất hai ẩn bằng phương pháp thế",
            "Giải hệ phương trình bằng phương pháp cộng đại số",
            "Giải bài toán bằng cách lập hệ phương trình",
            "Bất đẳng thức, bất phương trình bậc nhất một ẩn",
            "Căn bậc hai và căn thức bậc hai",
            "Biến đổi, rút gọn biểu thức chứa căn thức bậc hai",
            "Tỉ số lượng giác của góc nhọn",
            "Hệ thức giữa cạnh và góc trong tam giác vuông",
            "Vị trí tương đối của đường thẳng và đường tròn",
        ),
        (
            "Hàm số y = ax² (a ≠ 0) và đồ thị",
            "Phương trình bậc hai một ẩn, công thức nghiệm",
            "Định lí Viète và ứng dụng",
            "Giải bài toán bằng cách lập phương trình bậc hai",
            "Bảng tần số, tần số tương đối",
            "Phép thử ngẫu nhiên và xác suất của biến cố",
            "Góc nội tiếp, tứ giác nội tiếp",
            "Đa giác đều",
            "Hình trụ, hình nón, hình cầu",
        ),
    ),
    ("NV", 6): (
        (
            "Đọc hiểu truyện truyền thuyết, truyện cổ tích",
            "Đọc hiểu thơ lục bát",
            "Từ đơn, từ phức; từ ghép, từ láy",
            "Biện pháp tu từ so sánh, ẩn dụ",
            "Viết bài văn kể lại một trải nghiệm của em",
            "Đọc hiểu kí (hồi kí, du kí)",
            "Viết đoạn văn ghi lại cảm xúc về một bài thơ lục bát",
            "Chính tả và dấu câu",
        ),
        (
            "Đọc hiểu truyện đồng thoại, truyện ngắn",
            "Trạng ngữ và mở rộng thành phần chính của câu",
            "Đọc hiểu văn bản nghị luận",
            "Viết bài văn trình bày ý kiến về một hiện tượng đời sống",
            "Đọc hiểu văn bản thông tin thuật lại một sự kiện",
            "Tóm tắt văn bản bằng sơ đồ",
            "Viết bài văn tả cảnh sinh hoạt",
            "Ôn tập đọc hiểu và viết đoạn văn",
        ),
    ),
    ("NV", 7): (
        (
            "Đọc hiểu truyện ngắn, tiểu thuyết",
            "Đọc hiểu thơ bốn chữ, năm chữ",
            "Số từ, phó từ",
            "Viết bài văn kể lại sự việc có thật liên quan đến nhân vật lịch sử",
            "Đọc hiểu truyện ngụ ngôn, tục ngữ",
            "Viết bài văn phân tích đặc điểm nhân vật",
            "Biện pháp tu từ nói quá, nói giảm nói tránh",
            "Viết đoạn văn ghi lại cảm xúc sau khi đọc một bài thơ",
        ),
        (
            "Đọc hiểu văn bản nghị luận",
            "Viết bài văn nghị luận về một vấn đề trong đời sống",
            "Đọc hiểu văn bản thông tin",
            "Viết văn bản tường trình",
            "Đọc hiểu tùy bút, tản văn",
            "Liên kết câu và mạch lạc của văn bản",
            "Viết bài văn biểu cảm về con người hoặc sự việc",
            "Ôn tập đọc hiểu, luyện viết đoạn văn",
        ),
    ),
    ("NV", 8): (
        (
            "Đọc hiểu truyện lịch sử",
            "Đọc hiểu thơ Đường luật (thất ngôn bát cú, tứ tuyệt)",
            "Từ tượng hình, từ tượng thanh",
            "Viết bài văn kể lại một chuyến đi",
            "Đọc hiểu văn bản nghị luận xã hội",
            "Viết bài văn nghị luận về một vấn đề đời sống",
            "Đọc hiểu truyện cười, hài kịch",
            "Đoạn văn diễn dịch, quy nạp, song song, phối hợp",
        ),
        (
            "Đọc hiểu truyện ngắn hiện đại",
            "Viết bài văn phân tích một tác phẩm truyện",
            "Đọc hiểu thơ tự do",
            "Viết đoạn văn ghi lại cảm nghĩ về một bài thơ tự do",
            "Đọc hiểu văn bản thông tin giải thích một hiện tượng tự nhiên",
            "Câu hỏi tu từ, câu khẳng định, câu phủ định",
            "Viết văn bản thuyết minh",
            "Ôn tập đọc hiểu và viết",
        ),
    ),
    ("NV", 9): (
        (
            "Đọc hiểu truyện truyền kì",
            "Đọc hiểu thơ song thất lục bát",
            "Điển tích, điển cố; biện pháp chơi chữ",
            "Viết bài văn nghị luận về một vấn đề cần giải quyết",
            "Đọc hiểu văn bản nghị luận văn học",
            "Viết bài văn phân tích một tác phẩm thơ",
            "Đọc hiểu truyện thơ Nôm",
            "Viết bài văn kể lại một chuyến tham quan di tích",
        ),
        (
            "Đọc hiểu bi kịch, kịch",
            "Viết bài văn phân tích một tác phẩm truyện",
            "Đọc hiểu văn bản thông tin",
            "Viết bài văn nghị luận xã hội",
            "Câu đơn, câu ghép và các kiểu câu ghép",
            "Viết văn bản kiến nghị về một vấn đề đời sống",
            "Ôn tập văn bản nghị luận",
            "Luyện đề đọc hiểu và viết",
        ),
    ),
    ("NN1", 6): (
        (
            "Unit 1 My new school: từ vựng, thì hiện tại đơn",
            "Unit 2 My house: giới từ chỉ vị trí",
            "Unit 3 My friends: thì hiện tại tiếp diễn",
            "Unit 4 My neighbourhood: so sánh hơn của tính từ",
            "Unit 5 Natural wonders of Viet Nam: should, shouldn't",
            "Unit 6 Our Tet holiday: will, won't",
            "Phát âm /ɑː/, /ʌ/, /s/, /z/",
            "Đọc hiểu đoạn văn ngắn",
        ),
        (
            "Unit 7 Television: câu hỏi với từ để hỏi",
            "Unit 8 Sports and games: thì quá khứ đơn",
            "Unit 9 Cities of the world: so sánh nhất",
            "Unit 10 Our houses in the future: will, might",
            "Unit 11 Our greener world: câu điều kiện loại 1",
            "Unit 12 Robots: can, could",
            "Viết câu theo từ gợi ý",
            "Luyện nghe và đọc hiểu",
        ),
    ),
    ("NN1", 7): (
        (
            "Unit 1 Hobbies: thì hiện tại đơn và tương lai đơn",
            "Unit 2 Healthy living: câu đơn",
            "Unit 3 Community service: thì quá khứ đơn",
            "Unit 4 Music and arts: so sánh (as … as, different from)",
            "Unit 5 Food and drink: danh từ đếm được, không đếm được",
            "Unit 6 A visit to a school: giới từ chỉ thời gian, nơi chốn",
            "Phát âm và trọng âm của từ hai âm tiết",
            "Đọc hiểu và viết đoạn văn ngắn",
        ),
        (
            "Unit 7 Traffic: it chỉ khoảng cách; should, shouldn't",
            "Unit 8 Films: although, however",
            "Unit 9 Festivals around the world: câu hỏi Yes/No",
            "Unit 10 Energy sources: thì hiện tại tiếp diễn",
            "Unit 11 Travelling in the future: đại từ sở hữu",
            "Unit 12 English-speaking countries: mạo từ",
            "Viết lại câu",
            "Luyện đọc hiểu",
        ),
    ),
    ("NN1", 8): (
        (
            "Unit 1 Leisure time: động từ chỉ sở thích với V-ing, to V",
            "Unit 2 Life in the countryside: so sánh hơn của trạng từ",
            "Unit 3 Teenagers: câu đơn, câu ghép",
            "Unit 4 Ethnic groups of Viet Nam: câu hỏi Yes/No và Wh-",
            "Unit 5 Our customs and traditions: mạo từ",
            "Unit 6 Lifestyles: câu điều kiện loại 1",
            "Phát âm và trọng âm",
            "Đọc hiểu và viết đoạn văn",
        ),
        (
            "Unit 7 Environmental protection: mệnh đề trạng ngữ chỉ thời gian",
            "Unit 8 Shopping: hiện tại đơn diễn tả tương lai",
            "Unit 9 Natural disasters: thì quá khứ tiếp diễn",
            "Unit 10 Communication in the future: giới từ",
            "Unit 11 Science and technology: câu tường thuật",
            "Unit 12 Life on other planets: câu hỏi tường thuật",
            "Viết lại câu không đổi nghĩa",
            "Luyện đọc hiểu",
        ),
    ),
    ("NN1", 9): (
        (
            "Unit 1 Local community: cụm động từ",
            "Unit 2 City life: so sánh kép",
            "Unit 3 Healthy living for teens: câu mệnh lệnh gián tiếp",
            "Unit 4 Remembering the past: câu ước ở hiện tại",
            "Unit 5 Our experiences: thì hiện tại hoàn thành",
            "Unit 6 Vietnamese lifestyle: then and now: used to",
            "Phát âm và trọng âm",
            "Đọc hiểu và viết đoạn văn",
        ),
        (
            "Unit 7 Natural wonders of the world: câu bị động",
            "Unit 8 Tourism: mệnh đề quan hệ xác định",
            "Unit 9 World Englishes: câu điều kiện loại 2",
            "Unit 10 Planet Earth: mệnh đề quan hệ không xác định",
            "Unit 11 Electronic devices: câu tường thuật",
            "Unit 12 Career choices: liên từ, từ nối",
            "Viết lại câu",
            "Luyện đề đọc hiểu",
        ),
    ),
}
EXAM_TOPICS = {
    "TOAN": (
        "Rút gọn biểu thức chứa căn thức bậc hai",
        "Giải hệ phương trình bậc nhất hai ẩn",
        "Phương trình bậc hai và định lí Viète",
        "Parabol y = ax² và đường thẳng y = ax + b",
        "Giải bài toán bằng cách lập phương trình, hệ phương trình",
        "Hệ thức lượng trong tam giác vuông",
        "Chứng minh tứ giác nội tiếp",
        "Bài toán thực tế: lãi suất, giảm giá, hình trụ",
        "Luyện đề tuyển sinh lớp 10 các năm trước",
        "Làm đề thi thử và chữa đề",
    ),
    "NV": (
        "Đọc hiểu: phương thức biểu đạt, biện pháp tu từ",
        "Nghị luận xã hội: đoạn văn khoảng 200 chữ",
        "Nghị luận về một đoạn thơ",
        "Nghị luận về nhân vật trong tác phẩm truyện",
        "Kĩ năng mở bài, kết bài, lập dàn ý",
        "Ôn tập các văn bản trọng tâm lớp 9",
        "Luyện đề tuyển sinh lớp 10 các năm trước",
        "Làm đề thi thử và chữa đề",
    ),
    "NN1": (
        "Phát âm và trọng âm",
        "Các thì của động từ",
        "Câu bị động",
        "Câu tường thuật",
        "Câu điều kiện và câu ước",
        "Mệnh đề quan hệ",
        "Đọc hiểu, điền từ vào đoạn văn",
        "Viết lại câu không đổi nghĩa",
        "Luyện đề tuyển sinh lớp 10 các năm trước",
        "Làm đề thi thử và chữa đề",
    ),
}
# The k-th session on the same topic.
TOPIC_STEPS = (
    "{topic}: nhắc lại kiến thức cơ bản, làm ví dụ mẫu",
    "{topic}: luyện tập",
    "{topic}: chữa bài tập, kiểm tra nhanh 10 phút",
)
EXAM_STEPS = ("Ôn thi: {topic}", "Ôn thi: {topic} (luyện đề)", "Ôn thi: {topic} (chữa bài)")
SESSION_NOTES = [
    ("", 70),
    ("Cả nhóm làm bài tập tốt.", 6),
    ("Một số em chưa làm bài tập về nhà, đã nhắc nhở.", 6),
    ("Các em tiến bộ ở phần tính toán, còn chậm khi trình bày lời giải.", 4),
    ("Giao thêm bài tập về nhà, kiểm tra ở buổi sau.", 5),
    ("Hai em còn nhầm lẫn kiến thức cơ bản, cần kèm riêng.", 4),
    ("Lớp học trật tự, các em tích cực phát biểu.", 5),
]
SESSION_ABSENCES = [
    ("Ốm", 30),
    ("Việc gia đình", 20),
    ("Trời mưa lớn, nhà xa", 10),
    ("Ở nhà phụ gia đình", 10),
    ("Đi khám bệnh", 6),
    ("", 24),
]
CAUSE_NOTES = {
    WeakCause.LOST_FOUNDATION: [
        "Em hổng kiến thức từ lớp dưới, làm sai các bài cơ bản.",
        "Em chưa nắm được các quy tắc cơ bản, cần ôn lại từ đầu.",
    ],
    WeakCause.LOW_MOTIVATION: [
        "Em ít làm bài tập về nhà, trong lớp hay mất tập trung.",
        "Em chưa có động cơ học tập, hay chơi điện thoại đến khuya.",
    ],
    WeakCause.POOR_ATTENDANCE: ["Em nghỉ học nhiều buổi nên không theo kịp bài."],
    WeakCause.FAMILY_HARDSHIP: [
        "Gia đình khó khăn, em phải phụ việc nhà, ít thời gian học bài.",
        "Cha mẹ đi làm xa, em ở với ông bà, không có người nhắc nhở việc học.",
    ],
    WeakCause.HEALTH: ["Em hay đau ốm, sức khỏe yếu."],
    WeakCause.LEARNING_DIFFICULTY: ["Em tiếp thu chậm, cần được hướng dẫn riêng từng bước."],
    WeakCause.LANGUAGE: ["Em còn hạn chế tiếng Việt, đọc hiểu đề bài chậm."],
}
DISMISSED_NOTES = [
    "Em làm bài khi đang ốm; GVCN và giáo viên bộ môn kiểm tra lại, em nắm được kiến thức cơ bản.",
    "Nhập nhầm điểm, đã đối chiếu với sổ điểm: em không yếu môn này.",
    "Em mới chuyển từ trường khác, bài khảo sát chưa phản ánh đúng; theo dõi thêm.",
]
REFERRAL_EVIDENCE = [
    "Kiểm tra thường xuyên: {a} và {b} điểm; em chưa làm được các bài tập cơ bản, hay bỏ trống "
    "bài.",
    "Hai bài kiểm tra 15 phút liên tiếp dưới trung bình ({a} và {b} điểm); em không chép bài, "
    "ít tham gia xây dựng bài.",
    "Bài kiểm tra giữa kì được {a} điểm; vở bài tập bỏ trống nhiều bài, em nói không hiểu bài.",
]
LEFT_REASONS = {
    Enrollment.EndKind.TRANSFER_OUT: "Chuyển trường",
    Enrollment.EndKind.DROPPED_OUT: "Bỏ học",
    Enrollment.EndKind.OTHER_EXIT: "Thôi học",
}
UPPER_SECONDARY_SCHOOLS = ["Trường THPT Lương Định Của", "Trường THPT Đại Ngãi"]
COUNSELLING_NOTES = {
    Counselling.Choice.UPPER_SECONDARY: [
        "Em đăng ký dự tuyển vào lớp 10 {school}; gia đình ủng hộ, em tham gia lớp ôn thi của "
        "trường.",
        "Em muốn học tiếp lên THPT ({school}); GVCN tư vấn em tập trung ôn Toán và Tiếng Anh.",
        "Em và gia đình chọn thi vào {school}; nhắc em đăng ký nguyện vọng đúng hạn.",
    ],
    Counselling.Choice.CONTINUING: [
        "Học lực của em còn yếu; gia đình muốn em vào Trung tâm GDNN – GDTX để vừa học văn hóa "
        "vừa học nghề.",
        "Em chọn học chương trình GDTX cấp THPT gần nhà để phụ giúp gia đình.",
    ],
    Counselling.Choice.VOCATIONAL: [
        "Em thích nghề sửa chữa máy nông nghiệp; tư vấn em học trung cấp nghề sau khi tốt nghiệp "
        "THCS.",
        "Em muốn học nghề may công nghiệp; gia đình đồng ý, GVCN giới thiệu các trường trung cấp "
        "trong tỉnh.",
        "Em chọn học nghề điện dân dụng; đã giới thiệu chính sách miễn học phí học nghề cho học "
        "sinh tốt nghiệp THCS.",
    ],
    Counselling.Choice.UNDECIDED: [
        "Em chưa quyết định; gia đình còn cân nhắc vì hoàn cảnh khó khăn. Hẹn tư vấn lại sau "
        "học kì I.",
        "Em còn phân vân giữa thi THPT và học nghề; GVCN gửi thông tin các trường để gia đình "
        "tham khảo.",
    ],
}
CONTACT_NOTES = [
    (
        FamilyContact.Method.PHONE,
        "Gọi điện cho {who} báo kết quả khảo sát đầu năm môn {subject} của em ({score} điểm); "
        "mời gia đình cho em tham gia nhóm phụ đạo miễn phí của trường. Gia đình đồng ý và sẽ "
        "ký đơn đăng ký.",
    ),
    (
        FamilyContact.Method.MEETING,
        "Mời {who} đến trường trao đổi về việc học của em: em còn yếu môn {subject}, chưa làm "
        "bài tập về nhà đầy đủ. Gia đình hứa nhắc em học bài mỗi tối và cho em học phụ đạo đều.",
    ),
    (
        FamilyContact.Method.MESSAGE,
        "Nhắn Zalo cho {who}: em học phụ đạo môn {subject} đều, bài kiểm tra đầu vào {score} "
        "điểm; đề nghị gia đình động viên, nhắc em ôn bài ở nhà.",
    ),
    (
        FamilyContact.Method.PHONE,
        "Gọi điện cho {who}: em nghỉ hai buổi phụ đạo môn {subject} không báo. {Who} cho biết em "
        "ở nhà phụ việc; hứa sắp xếp cho em đi học đầy đủ.",
    ),
]
PEER_NOTES = [
    "",
    "",
    "Hai em ngồi cạnh nhau, cùng làm bài tập trong giờ ra chơi.",
    "Bạn giúp đỡ kiểm tra bài tập về nhà mỗi sáng.",
]


# --- Report -----------------------------------------------------------------------------------
@dataclass
class TutoringReport:
    schools: int = 0
    previous_classes: int = 0
    graduates: int = 0
    results: int = 0
    term_results: int = 0
    weak_records: int = 0
    plans: int = 0
    groups: int = 0
    members: int = 0
    sessions: int = 0
    attendance: int = 0
    checkpoints: int = 0
    peer_pairs: int = 0
    counselling: int = 0
    contacts: int = 0
    seconds: float = 0.0

    def add(self, other: TutoringReport) -> None:
        for name in self.__dataclass_fields__:
            if name != "seconds":
                setattr(self, name, getattr(self, name) + getattr(other, name))

    def summary(self) -> str:
        return (
            f"{self.results:,} subject results, {self.term_results:,} learning results, "
            f"{self.weak_records:,} weak records, {self.plans} plans, {self.groups} groups "
            f"({self.members:,} members, {self.sessions:,} sessions, {self.attendance:,} "
            f"attendance marks, {self.checkpoints:,} checkpoints), {self.peer_pairs} peer pairs, "
            f"{self.counselling} counselling records, {self.contacts} learning contacts"
        )


def seed_tutoring(options, codes: list[str], report, log: Callable[[str], None]) -> None:
    """Results and tutoring for every demo school (``codes``, in index order) that has none yet;
    ``report.tutoring`` gets the totals."""
    started = time.perf_counter()
    total = TutoringReport()
    story_day, partial = options.story_day()
    subjects = {s.code: s for s in Subject.objects.all()}
    schools = {s.code: s for s in School.objects.filter(code__in=codes)}
    for index, code in enumerate(codes):
        school = schools.get(code)
        if school is None:
            continue
        mine = seed_school_tutoring(
            school,
            index=index,
            subjects=subjects,
            seed=options.seed,
            students_per_class=options.students_per_class,
            story_day=story_day,
            partial_today=partial,
            history=options.history,
        )
        if mine is None:
            continue
        total.add(mine)
        log(f"  {code} tutoring: {mine.summary()}")
    total.seconds = time.perf_counter() - started
    report.tutoring = total


def has_tutoring_data(school: School) -> bool:
    models = (SubjectResult, WeakRecord, TutoringPlan, TutoringGroup)
    return any(
        (
            m.objects.filter(student__school=school)
            if m is SubjectResult
            else m.objects.filter(school=school)
        ).exists()
        for m in models
    )


def seed_school_tutoring(
    school: School,
    *,
    index: int,
    subjects: dict[str, Subject],
    seed: int,
    students_per_class: int | None,
    story_day: datetime.date,
    partial_today: bool,
    history: bool,
) -> TutoringReport | None:
    """One school's results and tutoring in one transaction; None when it already has some (or
    lacks last year or this year)."""
    years = {y.start_year: y for y in SchoolYear.objects.filter(school=school)}
    current = next((y for y in years.values() if y.is_current), None)
    if current is None or current.start_year - 1 not in years or has_tutoring_data(school):
        return None
    previous = years[current.start_year - 1]
    out = TutoringReport(schools=1)
    with transaction.atomic():
        ensure_previous_year(
            school,
            previous,
            current,
            index=index,
            seed=seed,
            size=students_per_class,
            history=history,
            report=out,
        )
        ctx = load(
            school,
            previous,
            current,
            subjects,
            seed=seed,
            story_day=min(story_day, current.end_date),
            partial_today=partial_today,
        )
        writer = Writer(history)
        plan_everything(ctx, writer)
        writer.write(out, school)
    return out


# --- Last year's classes and enrollments -----------------------------------------------------
def _suffix(name: str, grade: int) -> str | None:
    prefix = str(grade)
    return name[len(prefix) :] if name.startswith(prefix) else None


def ensure_previous_year(
    school: School,
    previous: SchoolYear,
    current: SchoolYear,
    *,
    index: int,
    seed: int,
    size: int | None,
    history: bool,
    report: TutoringReport,
) -> None:
    """Last year's classes and spans, unless the year already has classes: this year's grade
    7–9 students who were here on the opening day were in the class of the grade below with the
    same suffix all year; last year's grade 9 are graduates (new students, codes 9xxxx) with no
    span this year. Spans end on last year's last day, closed ``YEAR_END``."""
    if previous.classrooms.exists():
        return
    classes = list(current.classrooms.order_by("grade", "name").values_list("pk", "name", "grade"))
    names: list[tuple[str, int]] = []
    for _, name, grade in classes:
        suffix = _suffix(name, grade)
        if suffix is not None and grade >= 7:
            names.append((f"{grade - 1}{suffix}", grade - 1))
    names += [(f"9{_suffix(n, g)}", 9) for _, n, g in classes if g == 9 and _suffix(n, g)]
    names = sorted(set(names), key=lambda item: (item[1], item[0]))
    opened = _local(previous.start_date, 7, 30)
    rows = [
        _signed(Classroom(school_year=previous, name=n, grade=g), None, opened) for n, g in names
    ]
    by_name = {c.name: c for c in _bulk(Classroom, rows, history)}
    report.previous_classes += len(by_name)

    def span(student_id: int, classroom: Classroom) -> Enrollment:
        row = Enrollment(
            student_id=student_id,
            classroom=classroom,
            start_date=previous.start_date,
            start_kind=Enrollment.StartKind.START_OF_YEAR,
            end_date=previous.end_date,
            end_kind=Enrollment.EndKind.YEAR_END,
        )
        return _signed(row, None, opened)

    spans = []
    class_of = {pk: (name, grade) for pk, name, grade in classes}
    first: dict[int, tuple] = {}
    for student_id, classroom_id, start, kind in (
        Enrollment.objects.filter(classroom__school_year=current)
        .order_by("student_id", "start_date", "pk")
        .values_list("student_id", "classroom_id", "start_date", "start_kind")
    ):
        first.setdefault(student_id, (classroom_id, start, kind))
    for student_id, (classroom_id, start, kind) in sorted(first.items()):
        name, grade = class_of[classroom_id]
        if kind != Enrollment.StartKind.START_OF_YEAR or start > current.start_date or grade < 7:
            continue
        target = by_name.get(f"{grade - 1}{_suffix(name, grade)}")
        if target is not None:
            spans.append(span(student_id, target))

    # Last year's grade 9: drawn like the other students, a year older.
    rng = random.Random(f"dong-hanh-graduates:{seed}:{school.code}")  # noqa: S311 - demo data
    tpl = template_for(index, random.Random(f"dong-hanh-demo:{seed}:{index}"))  # noqa: S311
    namer = Namer(rng, tpl.ethnic)
    boarding = school.kind == School.Kind.BOARDING
    plans = []
    for classroom in sorted(by_name.values(), key=lambda c: c.name):
        if classroom.grade != 9:
            continue
        for _ in range(size or rng.randint(*tpl.sizes)):
            code = f"{school.code}{GRADUATE_CODES_FROM + len(plans):05d}"
            span_plan = SpanPlan(classroom.name, previous.start_date, "start")
            p = _plan_student(
                rng, namer, code, tpl, ClassPlan(classroom.name, 9, 0), boarding, span_plan
            )
            p.date_of_birth -= datetime.timedelta(days=365)  # born a year before this grade 9
            plans.append((p, classroom))
    students = _bulk(
        Student,
        [
            _signed(
                Student(
                    school=school,
                    code=p.code,
                    family_name=p.family_name,
                    given_name=p.given_name,
                    date_of_birth=p.date_of_birth,
                    gender=p.gender,
                    ethnicity=p.ethnicity,
                    hamlet=p.hamlet,
                    commune=p.commune,
                    address=p.address,
                    household=p.household,
                    orphan=p.orphan,
                    disability=p.disability,
                    distance_km=p.distance_km,
                    lives_away_from_parents=p.lives_away_from_parents,
                    notes=p.notes,
                    # bulk_create bypasses Student.save(), which computes these two.
                    sort_key=name_sort_key(p.family_name, p.given_name),
                    search_name=unaccent(p.full_name),
                ),
                None,
                opened,
            )
            for p, _ in plans
        ],
        history,
    )
    guardians = []
    for (p, classroom), student in zip(plans, students, strict=True):
        spans.append(span(student.pk, classroom))
        guardians += [
            _signed(
                Guardian(
                    student=student,
                    full_name=g.full_name,
                    relation=g.relation,
                    phone=g.phone,
                    occupation=g.occupation,
                    is_primary=g.is_primary,
                ),
                None,
                opened,
            )
            for g in p.guardians
        ]
    _bulk(Guardian, guardians, history)
    _bulk(Enrollment, spans, history)
    report.graduates += len(students)


# --- What is read from the database ------------------------------------------------------------
@dataclass
class Pupil:
    id: int
    code: str
    name: str
    khmer: bool
    household: str
    lives_away: bool
    disability: bool
    guardian: str = ""
    relation: str = ""
    # This year's spans: (classroom id, start, end, end kind).
    spans: list[tuple[int, datetime.date, datetime.date | None, str]] = field(default_factory=list)
    prev_class: int | None = None
    ability: float = 0.0
    bias: dict[str, float] = field(default_factory=dict)

    def class_on(self, day: datetime.date) -> int | None:
        for classroom_id, start, end, _ in self.spans:
            if start <= day and (end is None or end > day):
                return classroom_id
        return None

    def leaves(self, after: datetime.date) -> tuple[datetime.date, str] | None:
        """(day, reason) the student left the school after ``after`` (not a class move)."""
        for _, _, end, kind in self.spans:
            if end is not None and end > after and kind in LEFT_REASONS:
                return end, LEFT_REASONS[kind]
        return None

    @property
    def person(self) -> str:
        if not self.guardian:
            return "Gia đình"
        return f"{self.guardian} ({N.RELATION_WORDS.get(self.relation, 'người thân')})"

    @property
    def who(self) -> str:
        return f"{N.RELATION_WORDS.get(self.relation, 'gia đình')} em"


@dataclass
class Ctx:
    school: School
    previous: SchoolYear
    current: SchoolYear
    subjects: dict[str, Subject]
    seed: int
    story_day: datetime.date
    partial_today: bool
    threshold: Decimal
    group_max: int
    boarding: bool
    slot_session: str
    slot_periods: tuple[int, ...]
    users: dict[int, User]
    by_username: dict[str, int]
    principal: int
    vps: list[int]
    clerk: int | None
    homeroom: dict[int, int]
    teacher: dict[tuple[int, str], int]
    teaching: dict[tuple[str, int], Counter]
    teachers: list[int]
    heads: dict[int, int]
    group_subjects: dict[int, list[str]]
    group_names: dict[int, str]
    cur_classes: dict[int, tuple[str, int]]
    prev_classes: dict[int, tuple[str, int]]
    pupils: list[Pupil]
    prev_days: list[datetime.date]
    cur_days: list[datetime.date]

    def grade(self, classroom_id: int) -> int:
        found = self.cur_classes.get(classroom_id) or self.prev_classes[classroom_id]
        return found[1]

    def prev_gvcn(self, prev_class_id: int) -> int:
        """Last year's classes have no roles: the GVCN of this year's class of the same name."""
        name = self.prev_classes[prev_class_id][0]
        for pk, (other, _) in self.cur_classes.items():
            if other == name and pk in self.homeroom:
                return self.homeroom[pk]
        return self.principal

    def gvcn(self, classroom_id: int) -> int:
        return self.homeroom.get(classroom_id, self.principal)

    def subject_teacher(self, classroom_id: int, code: str) -> int:
        return self.teacher.get((classroom_id, code)) or self.gvcn(classroom_id)

    def tutors_for(self, code: str, grade: int, count: int = 1) -> list[int]:
        """Teachers of the subject who teach the most classes of that grade (then any teacher of
        the subject, then any teacher)."""
        ranked = sorted(
            self.teaching.get((code, grade), Counter()).items(),
            key=lambda item: (-item[1], self.users[item[0]].username),
        )
        out = [u for u, _ in ranked]
        others = Counter()
        for (c, _), counter in self.teaching.items():
            if c == code:
                others.update(counter)
        out += [u for u, _ in sorted(others.items(), key=lambda i: (-i[1], i[0])) if u not in out]
        out += [u for u in self.teachers if u not in out]
        return out[:count] or [self.principal]


def load(school, previous, current, subjects, *, seed, story_day, partial_today) -> Ctx:
    settings = SchoolSettings.for_school(school)
    users = {u.pk: u for u in User.objects.filter(school=school)}
    principal, vps, clerk = None, [], None
    homeroom, teacher, teaching, heads = {}, {}, defaultdict(Counter), {}
    cur_classes = {
        pk: (name, grade)
        for pk, name, grade in current.classrooms.order_by("grade", "name").values_list(
            "pk", "name", "grade"
        )
    }
    prev_classes = {
        pk: (name, grade)
        for pk, name, grade in previous.classrooms.order_by("grade", "name").values_list(
            "pk", "name", "grade"
        )
    }
    teachers = set()
    for user_id, role, classroom_id, code, group_id in (
        RoleAssignment.objects.filter(school_year=current)
        .order_by("pk")
        .values_list("user_id", "role", "classroom_id", "subject__code", "subject_group_id")
    ):
        if role == Role.PRINCIPAL:
            principal = user_id
        elif role == Role.VICE_PRINCIPAL:
            vps.append(user_id)
        elif role == Role.CLERK and clerk is None:
            clerk = user_id
        elif role == Role.HOMEROOM:
            homeroom[classroom_id] = user_id
        elif role == Role.GROUP_HEAD:
            heads[group_id] = user_id
        elif role == Role.SUBJECT_TEACHER and code and classroom_id in cur_classes:
            teacher.setdefault((classroom_id, code), user_id)
            teaching[(code, cur_classes[classroom_id][1])][user_id] += 1
            teachers.add(user_id)
    if principal is None:  # a school without a principal this year: its first leader or teacher
        principal = (vps or sorted(teachers) or sorted(users))[0]
    group_subjects: dict[int, list[str]] = defaultdict(list)
    for group_id, code in (
        SubjectGroup.subjects.through.objects.filter(subjectgroup__school=school)
        .order_by("subjectgroup_id", "subject__order")
        .values_list("subjectgroup_id", "subject__code")
    ):
        group_subjects[group_id].append(code)
    group_names = dict(
        SubjectGroup.objects.filter(school=school).order_by("name").values_list("pk", "name")
    )

    guardians = {
        student_id: (name, relation)
        for student_id, name, relation in Guardian.objects.filter(
            student__school=school, is_primary=True
        )
        .order_by("student_id", "pk")
        .values_list("student_id", "full_name", "relation")
    }
    pupils = {}
    for pk, code, family, given, ethnicity, household, away, disability in (
        Student.objects.filter(school=school)
        .order_by("code")
        .values_list(
            "pk",
            "code",
            "family_name",
            "given_name",
            "ethnicity",
            "household",
            "lives_away_from_parents",
            "disability",
        )
    ):
        name, relation = guardians.get(pk, ("", ""))
        pupils[pk] = Pupil(
            pk,
            code,
            f"{family} {given}",
            ethnicity == N.KHMER,
            household,
            away,
            disability,
            name,
            relation,
        )
    for student_id, classroom_id, start, end, end_kind in (
        Enrollment.objects.filter(classroom__school_year__in=[previous, current])
        .order_by("student_id", "start_date", "pk")
        .values_list("student_id", "classroom_id", "start_date", "end_date", "end_kind")
    ):
        pupil = pupils[student_id]
        if classroom_id in cur_classes:
            pupil.spans.append((classroom_id, start, end, end_kind))
        elif pupil.prev_class is None:
            pupil.prev_class = classroom_id
    sessions = settings.sessions
    if sessions == SchoolSettings.Sessions.MORNING:
        slot_session, slot_periods = "afternoon", (1, 2, 3)
    elif sessions == SchoolSettings.Sessions.AFTERNOON:
        slot_session, slot_periods = "morning", (1, 2, 3)
    else:  # two sessions a day: after the afternoon's lessons
        slot_session, slot_periods = "afternoon", (4,)
    return Ctx(
        school=school,
        previous=previous,
        current=current,
        subjects=subjects,
        seed=seed,
        story_day=story_day,
        partial_today=partial_today,
        threshold=settings.weak_threshold,
        group_max=settings.group_max_students,
        boarding=school.kind == School.Kind.BOARDING,
        slot_session=slot_session,
        slot_periods=slot_periods,
        users=users,
        by_username={u.username: pk for pk, u in users.items()},
        principal=principal,
        vps=vps,
        clerk=clerk,
        homeroom=homeroom,
        teacher=teacher,
        teaching=dict(teaching),
        teachers=sorted(teachers, key=lambda u: users[u].username),
        heads=heads,
        group_subjects=dict(group_subjects),
        group_names=group_names,
        cur_classes=cur_classes,
        prev_classes=prev_classes,
        pupils=[p for p in pupils.values() if p.spans or p.prev_class],
        prev_days=previous.school_days(),
        cur_days=current.school_days(),
    )


# --- Writing ------------------------------------------------------------------------------------
WRITE_ORDER = [
    SubjectResult,
    TermResult,
    WeakRecord,
    TutoringPlan,
    PlanGoal,
    TutoringGroup,
    ScheduleSlot,
    Membership,
    TutoringSession,
    SessionAttendance,
    Checkpoint,
    PeerPair,
    Counselling,
    FamilyContact,
]
COUNTED = {
    SubjectResult: "results",
    TermResult: "term_results",
    WeakRecord: "weak_records",
    TutoringPlan: "plans",
    TutoringGroup: "groups",
    Membership: "members",
    TutoringSession: "sessions",
    SessionAttendance: "attendance",
    Checkpoint: "checkpoints",
    PeerPair: "peer_pairs",
    Counselling: "counselling",
    FamilyContact: "contacts",
}


# The three big tables go in as plain tuples (``Writer.row``): for tens of thousands of rows,
# building model instances and letting bulk_create prepare every value costs ~10× more than an
# executemany of tuples whose few distinct dates and decimals are prepared once. Their history
# rows are written the same way, with the same columns ``bulk_history_create`` would fill.
RAW_COLUMNS = {
    SubjectResult: (
        "student_id",
        "school_year_id",
        "classroom_id",
        "subject_id",
        "term",
        "score",
        "comment",
        "source",
        "updated_by_id",
    ),
    TermResult: (
        "student_id",
        "school_year_id",
        "classroom_id",
        "term",
        "level",
        "base_level",
        "adjusted_by_id",
        "average",
        "needs_review",
        "missing_subjects",
        "is_weak",
        "conduct",
        "imported_level",
    ),
    SessionAttendance: ("session_id", "student_id", "present", "reason"),
}
# The natural key that finds a raw row's id again (for its history row and the rows that point
# to it), and the rows of the school that the key is looked up in.
RAW_KEYS = {
    SubjectResult: ("student_id", "school_year_id", "subject_id", "term"),
    TermResult: ("student_id", "school_year_id", "term"),
    WeakRecord: ("school_year_id", "student_id", "subject_id"),
    Membership: ("group_id", "student_id"),
    TutoringSession: ("group_id", "date", "first_period"),
    Checkpoint: ("group_id", "student_id", "kind", "date"),
    Counselling: ("student_id", "school_year_id"),
}
RAW_SCOPE = {
    SubjectResult: "student__school",
    TermResult: "student__school",
    WeakRecord: "school",
    Membership: "group__school",
    TutoringSession: "group__school",
    Checkpoint: "group__school",
    Counselling: "student__school",
}


class Writer:
    """Collects unsaved rows (which may point to other unsaved rows) and inserts them model by
    model in dependency order, with history rows signed and dated by ``add``."""

    def __init__(self, history: bool):
        self.history = history
        self.rows: dict[type, list] = defaultdict(list)
        self.raw: dict[type, list[tuple]] = defaultdict(list)
        self.m2m: list[tuple[object, str, list[int]]] = []

    def add(self, obj, user: User | None = None, when: datetime.datetime | None = None):
        if when is not None:
            _signed(obj, user, when)
        self.rows[type(obj)].append(obj)
        return obj

    def row(self, model, values: tuple, user_id: int | None = None, when=None) -> None:
        """A row of a big table: values in ``RAW_COLUMNS`` order (an unsaved instance stands
        for its future id), signed by ``user_id`` at ``when`` in its history."""
        self.raw[model].append((values, user_id, when))

    def m2m_add(self, owner, attname: str, ids: list[int]) -> None:
        self.m2m.append((owner, attname, ids))

    def write(self, report: TutoringReport, school: School) -> None:
        for model in WRITE_ORDER:
            objs = self.rows.get(model, [])
            if model in RAW_COLUMNS:
                count = self._write_raw(model, self.raw.get(model, []), school)
            elif model in RAW_KEYS:
                count = self._write_objects(model, objs, school)
            else:
                count = len(objs)
                # Plans point to their parent plan: insert them level by level.
                waves = [objs]
                if model is TutoringPlan:
                    levels = [TutoringPlan.Level.SCHOOL, TutoringPlan.Level.GROUP]
                    waves = [[o for o in objs if o.level == level] for level in levels]
                    waves.append([o for o in objs if o.level not in levels])
                for wave in waves:
                    if hasattr(model, "history"):
                        _bulk(model, wave, self.history)
                    else:
                        model.objects.bulk_create(wave, batch_size=BATCH)
            if model in COUNTED:
                name = COUNTED[model]
                setattr(report, name, getattr(report, name) + count)
            links: dict[str, list] = defaultdict(list)
            for owner, attname, ids in self.m2m:
                if isinstance(owner, model):
                    descriptor = getattr(model, attname)
                    through = descriptor.through
                    fk = f"{model._meta.model_name}_id"
                    target = f"{descriptor.field.related_model._meta.model_name}_id"
                    links[attname] += [through(**{fk: owner.pk, target: i}) for i in ids]
            for attname, rows in links.items():
                getattr(model, attname).through.objects.bulk_create(rows, batch_size=BATCH)

    def _write_raw(self, model, items: list, school: School) -> int:
        if not items:
            return 0
        columns = list(RAW_COLUMNS[model])
        stamped = any(f.name == "created_at" for f in model._meta.concrete_fields)
        now = timezone.now()
        rows = []
        for values, _, _ in items:
            row = [v.pk if isinstance(v, models.Model) else v for v in values]
            rows.append((*row, now, now) if stamped else tuple(row))
        if stamped:
            columns += ["created_at", "updated_at"]
        _executemany(model, columns, rows)
        if not (self.history and model in RAW_KEYS):
            return len(rows)
        key = RAW_KEYS[model]
        positions = [columns.index(k) for k in key]
        ids = _ids(model, school)
        history_columns = ["id", *columns]
        history_columns += ["history_date", "history_change_reason", "history_type"]
        history_columns += ["history_user_id"]
        history = [
            (ids[tuple(row[i] for i in positions)], *row, when or now, HISTORY_REASON, "+", user)
            for row, (_, user, when) in zip(rows, items, strict=True)
        ]
        _executemany(model.history.model, history_columns, history)
        return len(rows)

    def _write_objects(self, model, objs: list, school: School) -> int:
        """Model instances of the middle-sized tables, inserted like the raw rows; each gets its
        id back (rows inserted later point to it) and a history row signed by ``add``."""
        if not objs:
            return 0
        fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        columns = [f.attname for f in fields]
        now = timezone.now()
        stamps = [f.attname for f in fields if f.name in ("created_at", "updated_at")]
        rows = []
        for obj in objs:
            obj._prepare_related_fields_for_save(operation_name="bulk_create")
            for attname in stamps:
                setattr(obj, attname, now)
            rows.append(tuple(getattr(obj, c) for c in columns))
        _executemany(model, columns, rows)
        ids = _ids(model, school)
        key = RAW_KEYS[model]
        for obj in objs:
            obj.pk = ids[tuple(getattr(obj, k) for k in key)]
            obj._state.adding = False
            obj._state.db = connection.alias
        if self.history:
            tracked = [f.attname for f in model.history.model.tracked_fields if not f.primary_key]
            history_columns = ["id", *tracked, "history_date", "history_change_reason"]
            history_columns += ["history_type", "history_user_id"]
            history = []
            for obj in objs:
                user = getattr(obj, "_history_user", None)
                history.append(
                    (
                        obj.pk,
                        *(getattr(obj, c) for c in tracked),
                        getattr(obj, "_history_date", now),
                        HISTORY_REASON,
                        "+",
                        user.pk if user is not None else None,
                    )
                )
            _executemany(model.history.model, history_columns, history)
        return len(objs)


def _ids(model, school: School) -> dict[tuple, int]:
    """The school's rows of the model by natural key → id."""
    key = RAW_KEYS[model]
    rows = model.objects.filter(**{RAW_SCOPE[model]: school}).values_list("id", *key)
    return {tuple(found[1:]): found[0] for found in rows}


def _executemany(model, columns: list[str], rows: list[tuple]) -> None:
    """INSERT the rows with one prepared statement; the dates, datetimes and decimals of each
    column are prepared for the database once per distinct value."""
    fields = {f.attname: f for f in model._meta.concrete_fields}
    plain = (int, str, bool, type(None))
    prepared = [list(row) for row in rows]
    for i, column in enumerate(columns):
        cache: dict = {}
        field_ = fields[column]
        for row in prepared:
            value = row[i]
            if isinstance(value, plain):
                continue
            if value not in cache:
                cache[value] = field_.get_db_prep_save(value, connection)
            row[i] = cache[value]
    quote = connection.ops.quote_name
    # Table and column names come from the model; the values are parameters.
    head = "INSERT INTO {} ({}) VALUES ".format(  # noqa: S608
        quote(model._meta.db_table), ", ".join(quote(fields[c].column) for c in columns)
    )
    one = "(" + ", ".join(["%s"] * len(columns)) + ")"
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":  # one prepared statement, run for every row
            for start in range(0, len(prepared), 10 * BATCH):
                cursor.executemany(head + one, prepared[start : start + 10 * BATCH])
            return
        if connection.vendor == "postgresql":  # COPY: the fastest way in, by far
            copy_sql = "COPY {} ({}) FROM STDIN".format(
                quote(model._meta.db_table), ", ".join(quote(fields[c].column) for c in columns)
            )
            with cursor.cursor.copy(copy_sql) as copy:
                for row in prepared:
                    copy.write_row(row)
            return
        # Elsewhere a round trip per row would dominate: many rows per statement.
        size = max(1, min(500, connection.ops.bulk_batch_size(columns, prepared)))
        for start in range(0, len(prepared), size):
            chunk = prepared[start : start + size]
            cursor.execute(head + ", ".join([one] * len(chunk)), [v for row in chunk for v in row])


# --- Small helpers ----------------------------------------------------------------------------
def _score(value: float) -> Decimal:
    return Decimal(f"{min(10.0, max(0.0, value)):.1f}")


def _vn(value: Decimal | float) -> str:
    """One decimal with a decimal comma, as a teacher writes it ("4,5")."""
    return f"{float(value):.1f}".replace(".", ",")


def _weighted(rng: random.Random, pairs):
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights=weights)[0]


def _monday_on_or_after(day: datetime.date) -> datetime.date:
    return day + datetime.timedelta(days=(7 - day.weekday()) % 7)


def _weekday_on_or_before(day: datetime.date) -> datetime.date:
    while day.weekday() >= 5:
        day -= DAY
    return day


def _day_between(rng: random.Random, days: list[datetime.date], first, last):
    """A school day in [first, last] (None when there is none)."""
    pool = [d for d in days if first <= d <= last]
    return rng.choice(pool) if pool else None


def _is_weak(value, threshold: Decimal) -> bool:
    if isinstance(value, str):
        return value == Comment.FAIL
    return value < threshold


def _profile(ctx: Ctx, pupil: Pupil) -> None:
    """A student's ability and bias per subject, from their own generator."""
    r = random.Random(f"dong-hanh-results:{ctx.seed}:{pupil.code}")  # noqa: S311 - demo data
    a = r.gauss(0, 1)
    a -= {Student.Household.POOR: 0.3, Student.Household.NEAR_POOR: 0.15}.get(pupil.household, 0)
    a -= 0.15 * pupil.lives_away + 0.4 * pupil.disability
    a += 0.2 if ctx.boarding else 0.0  # boarding schools select their students
    pupil.ability = a
    pupil.bias = {code: 0.55 * r.gauss(0, 1) for code in (*SCORED, MINORITY_LANGUAGE)}
    if pupil.khmer:  # Vietnamese is not their home language
        pupil.bias["NV"] -= 0.3
        pupil.bias["NN1"] -= 0.15


def _codes(ctx: Ctx, pupil: Pupil) -> list[str]:
    """The subjects of a student's results, in the gradebook's order."""
    codes = [*SCORED, *COMMENTED]
    if ctx.boarding and pupil.khmer:
        codes.append(MINORITY_LANGUAGE)
    codes = [c for c in codes if c in ctx.subjects]
    return sorted(codes, key=lambda c: ctx.subjects[c].order)


def _values(
    ctx: Ctx,
    pupil: Pupil,
    key: str,
    codes,
    *,
    shift: float = 0.0,
    noise: float = 0.3,
    boost: dict[str, float] | None = None,
    comment_factor: float = 1.0,
) -> dict[str, Decimal | str]:
    """One term's averages (Decimal) and comment results ("D"/"CD")."""
    r = random.Random(f"dong-hanh-results:{ctx.seed}:{pupil.code}:{key}")  # noqa: S311
    boost = boost or {}
    out: dict[str, Decimal | str] = {}
    for code in codes:
        draw = r.random() if code in COMMENTED else r.gauss(0, 1)
        if code in COMMENTED:
            risk = (0.1 if pupil.ability < -1.3 else 0.006) * comment_factor
            out[code] = Comment.FAIL if draw < risk else Comment.PASS
        else:
            x = MEAN[code] + shift + 0.95 * pupil.ability + pupil.bias[code] + noise * draw
            out[code] = _score(x + boost.get(code, 0.0))
    return out


def _classify(ctx: Ctx, values: dict[str, Decimal | str]) -> dict:
    """TermResult fields from one term's values (TT22, ``rules.learning_result``)."""
    scored = [c for c in values if not isinstance(values[c], str)]
    commented = [c for c in values if isinstance(values[c], str)]
    result = rules.learning_result(
        [values[c] for c in scored], [COMMENT_LABELS[values[c]] for c in commented]
    )
    adjusted_by = None
    if result.adjusted and result.trigger_index is not None:
        codes = scored if result.trigger_kind == rules.SubjectKind.SCORED else commented
        adjusted_by = ctx.subjects[codes[result.trigger_index]]
    level = LEVELS[result.level]
    return {
        "level": level,
        "base_level": LEVELS[result.base_level],
        "adjusted_by": adjusted_by,
        "needs_review": result.needs_review,
        "is_weak": level in WEAK_LEVELS,
    }


def _conduct(ctx: Ctx, pupil: Pupil) -> tuple[rules.Level, rules.Level, rules.Level]:
    r = random.Random(f"dong-hanh-conduct-results:{ctx.seed}:{pupil.code}")  # noqa: S311
    levels, usual, weaker = CONDUCT
    weights = weaker if pupil.ability < -1.0 else usual
    hk1 = r.choices(levels, weights=weights)[0]
    hk2 = r.choices(levels, weights=weights)[0]
    if hk1 == rules.Level.CHUA_DAT and r.random() < 0.7:  # most improve after a warning
        hk2 = rules.Level.DAT
    return hk1, hk2, rules.year_conduct(hk1, hk2)


def _causes(rng: random.Random, pupil: Pupil, code: str | None) -> tuple[str, str]:
    """1–3 causes, weighted by what the school knows of the student, and sometimes a note."""
    language = code in ("NV", "NN1", None)
    weights = {
        WeakCause.LOST_FOUNDATION: 40,
        WeakCause.LOW_MOTIVATION: 30,
        WeakCause.POOR_ATTENDANCE: 6 + 14 * (bool(pupil.household) or pupil.lives_away),
        WeakCause.FAMILY_HARDSHIP: 3 + 25 * bool(pupil.household) + 10 * pupil.lives_away,
        WeakCause.HEALTH: 3,
        WeakCause.LEARNING_DIFFICULTY: 4 + 30 * pupil.disability,
        WeakCause.LANGUAGE: (25 if language else 8) if pupil.khmer else 0,
    }
    count = rng.choices([1, 2, 3], weights=[45, 40, 15])[0]
    chosen: list[str] = []
    pool = dict(weights)
    while pool and len(chosen) < count:
        cause = _weighted(rng, [(c, w) for c, w in pool.items() if w > 0])
        chosen.append(cause)
        pool.pop(cause)
    order = list(WeakCause.values)
    chosen.sort(key=order.index)
    note = rng.choice(CAUSE_NOTES[chosen[0]]) if rng.random() < 0.35 else ""
    return ",".join(chosen), note


# --- Groups, their schedule, sessions and checkpoints --------------------------------------------
SUBJECT_LABELS = {"TOAN": "Toán", "NV": "Ngữ văn", "NN1": "Tiếng Anh"}
WEEKDAY_PAIRS = [(0, 2), (1, 3), (2, 4), (0, 3), (1, 4)]


@dataclass
class GroupSpec:
    year: SchoolYear
    kind: str
    code: str
    grade: int
    name: str
    start: datetime.date
    end: datetime.date
    plan: TutoringPlan | None
    tutors: list[int]
    added_by: int
    # (student, weak record or None, joined on)
    members: list[tuple[Pupil, WeakRecord | None, datetime.date]]
    # Checkpoint bases per student: (before, after) or None.
    bases: dict[int, tuple[Decimal | None, Decimal | None]] = field(default_factory=dict)
    keep_due: bool = False
    absences: Counter = field(default_factory=Counter)  # student id → sessions missed


class Schedule:
    """Weekly slots of a year's groups: a tutor is in one place at a time, and a grade's groups
    of different subjects do not overlap (a student may be in two of them)."""

    def __init__(self, ctx: Ctx, rng: random.Random):
        self.ctx = ctx
        self.rng = rng
        self.tutors: set[tuple[int, int, int]] = set()
        self.grades: set[tuple[int, str, int, int]] = set()

    def _periods(self, slots):
        for weekday, first, count in slots:
            for period in range(first, first + count):
                yield weekday, period

    def _free(self, slots, tutors, grade, code, strict: bool) -> bool:
        for weekday, period in self._periods(slots):
            if any((t, weekday, period) in self.tutors for t in tutors):
                return False
            if strict and any(
                (grade, other, weekday, period) in self.grades for other in CORE if other != code
            ):
                return False
        return True

    def take(self, tutors: list[int], grade: int, code: str) -> list[tuple[int, int, int]]:
        ctx, rng = self.ctx, self.rng
        one = list(ctx.slot_periods)
        single = [*ctx.slot_periods, *((5,) if 4 in ctx.slot_periods else ())]
        days = [0, 1, 2, 3, 4]
        if rng.random() < 0.6:  # one slot of two periods
            options = [[(d, s, 2)] for d in days for s in one]
        else:  # two slots of one period on two days
            options = [[(a, s, 1), (b, s, 1)] for a, b in WEEKDAY_PAIRS for s in single]
        rng.shuffle(options)
        for strict in (True, False):
            for slots in options:
                if self._free(slots, tutors, grade, code, strict):
                    break
            else:
                continue
            break
        else:
            slots = options[0]
        for weekday, period in self._periods(slots):
            self.tutors |= {(t, weekday, period) for t in tutors}
            self.grades.add((grade, code, weekday, period))
        return slots


def _content(topics, steps, index: int, expected: int) -> str:
    if not topics:
        return "Ôn tập kiến thức cơ bản, luyện tập"
    at = min(len(topics) - 1, index * len(topics) // max(1, expected))
    first = next(
        i
        for i in range(index + 1)
        if min(len(topics) - 1, i * len(topics) // max(1, expected)) == at
    )
    step = steps[min(index - first, len(steps) - 1)]
    return step.format(topic=topics[at])


def build_group(
    ctx: Ctx, w: Writer, rng: random.Random, spec: GroupSpec, schedule: Schedule, *, this_year: bool
) -> TutoringGroup:
    """The group, its slots, members (registration, consent), sessions with attendance, and
    checkpoints. This year: sessions up to the story's day, today's not yet; ``keep_due``: the
    last one before today is not recorded either."""
    users = ctx.users
    head = users.get(spec.added_by)
    created = _local(spec.start - datetime.timedelta(days=7), 10, rng.randrange(60))
    label = SUBJECT_LABELS.get(spec.code, ctx.subjects[spec.code].name)
    class_names = sorted(
        name
        for name, grade in (ctx.cur_classes if this_year else ctx.prev_classes).values()
        if grade == spec.grade
    )
    room = f"Phòng {rng.choice(class_names)}" if class_names else "Phòng học bộ môn"
    if spec.kind == GroupKind.EXAM_REVIEW:
        note = "Học sinh lớp 9 tự nguyện đăng ký ôn thi tuyển sinh vào lớp 10, không thu tiền."
    else:
        note = f"Phụ đạo miễn phí cho học sinh yếu môn {label}; không dạy trước chương trình."
    group = w.add(
        TutoringGroup(
            school=ctx.school,
            school_year=spec.year,
            kind=spec.kind,
            subject=ctx.subjects[spec.code],
            grade=spec.grade,
            name=spec.name,
            plan=spec.plan,
            room=room,
            start_date=spec.start,
            end_date=spec.end,
            note=note,
        ),
        head,
        created,
    )
    w.m2m_add(group, "tutors", spec.tutors)
    slots = schedule.take(spec.tutors, spec.grade, spec.code)
    for weekday, first, count in slots:
        w.add(
            ScheduleSlot(
                group=group,
                weekday=weekday,
                session=ctx.slot_session,
                first_period=first,
                periods=count,
                room=room,
            )
        )

    # Members: registration (Mẫu 01) and the parent's consent before they join.
    members = []
    for pupil, record, joined in spec.members:
        registered = _weekday_on_or_before(joined - datetime.timedelta(days=rng.randint(4, 10)))
        consent = min(joined, registered + datetime.timedelta(days=rng.randint(0, 3)))
        left = pupil.leaves(joined) if this_year else None
        if left is not None and left[0] > spec.end:
            left = None
        membership = w.add(
            Membership(
                group=group,
                student_id=pupil.id,
                reason=Membership.Reason.WEAK
                if record is not None
                else Membership.Reason.EXAM_REVIEW,
                weak_record=record,
                registered_on=registered,
                consent_on=consent,
                consent_by=pupil.guardian or "Cha mẹ học sinh",
                joined_on=joined,
                left_on=left[0] if left else None,
                left_reason=left[1] if left else "",
                added_by_id=spec.added_by,
            ),
            head,
            _local(joined - DAY if joined - DAY >= registered else joined, 16, rng.randrange(60)),
        )
        members.append((pupil, membership))

    # Sessions on the slots' days (school days only).
    days = ctx.cur_days if this_year else ctx.prev_days
    by_weekday = {weekday: (first, count) for weekday, first, count in slots}
    expected = [d for d in days if spec.start <= d <= spec.end and d.weekday() in by_weekday]
    if this_year:
        due = [d for d in expected if d <= ctx.story_day]
        recorded = [d for d in due if not (ctx.partial_today and d == ctx.story_day)]
        before_today = [d for d in recorded if d < ctx.story_day]
        if recorded and (spec.keep_due or rng.random() < 0.08):
            last = before_today[-1] if before_today else recorded[-1]
            recorded = [d for d in recorded if d < last]
    else:
        recorded = [d for d in expected if rng.random() >= 0.04]  # a few cancelled
    topics, steps = _topics(spec, this_year)
    habits = {
        pupil.id: rng.choices([0.03, 0.08, 0.2], weights=[60, 30, 10])[0] for pupil, _ in members
    }
    position = {d: i for i, d in enumerate(expected)}
    for n, day in enumerate(recorded):
        first, count = by_weekday[day.weekday()]
        tutor = spec.tutors[n % len(spec.tutors)]
        hour = 16 if ctx.slot_session == "afternoon" else 10
        when = _local(day, hour + (first >= 4), rng.randrange(60))
        session = w.add(
            TutoringSession(
                group=group,
                date=day,
                first_period=first,
                periods=count,
                content=_content(topics, steps, position[day], len(expected)),
                note=_weighted(rng, SESSION_NOTES),
                taught_by_id=tutor,
            ),
            users.get(tutor),
            when,
        )
        for pupil, membership in members:
            if membership.joined_on > day or (membership.left_on and membership.left_on <= day):
                continue
            absent = rng.random() < habits[pupil.id]
            spec.absences[pupil.id] += absent
            reason = _weighted(rng, SESSION_ABSENCES) if absent else ""
            w.row(SessionAttendance, (session, pupil.id, not absent, reason))

    # Checkpoints: a test before, one along the way (this year, half the groups), one after.
    if not recorded:
        return group
    tutor = spec.tutors[0]
    marks = [(Checkpoint.Kind.BEFORE, recorded[0], 0)]
    if this_year:
        middle = [d for d in recorded if d >= spec.start + datetime.timedelta(days=35)]
        if middle and rng.random() < 0.5:
            marks.append((Checkpoint.Kind.DURING, middle[0], 0))
    elif recorded[-1] >= spec.end - datetime.timedelta(days=21):
        marks.append((Checkpoint.Kind.AFTER, recorded[-1], 1))
    for kind, day, which in marks:
        for pupil, membership in members:
            if membership.joined_on > day or (membership.left_on and membership.left_on <= day):
                continue
            base = spec.bases.get(pupil.id, (None, None))[which]
            if base is None:
                continue
            gain = 0.6 if kind == Checkpoint.Kind.DURING else 0.0
            score = _score(float(base) + gain + rng.gauss(0, 0.6))
            w.add(
                Checkpoint(
                    group=group,
                    student_id=pupil.id,
                    kind=kind,
                    date=day,
                    score=score,
                    recorded_by_id=tutor,
                ),
                users.get(tutor),
                _local(day, 18, rng.randrange(60)),
            )
    return group


def _topics(spec: GroupSpec, this_year: bool):
    if spec.kind == GroupKind.EXAM_REVIEW:
        return EXAM_TOPICS.get(spec.code, ()), EXAM_STEPS
    halves = TOPICS.get((spec.code, spec.grade), ((), ()))
    return (halves[0] if this_year else halves[1]), TOPIC_STEPS


def _chunks(items: list, size: int) -> list[list]:
    """The fewest balanced runs of at most ``size``."""
    if not items:
        return []
    k = math.ceil(len(items) / size)
    base, extra = divmod(len(items), k)
    out, start = [], 0
    for j in range(k):
        n = base + (j < extra)
        out.append(items[start : start + n])
        start += n
    return out


# --- Planning ---------------------------------------------------------------------------------
def plan_everything(ctx: Ctx, w: Writer) -> None:
    rng = random.Random(f"dong-hanh-tutoring:{ctx.seed}:{ctx.school.code}")  # noqa: S311
    for pupil in ctx.pupils:
        _profile(ctx, pupil)
    last = plan_last_year(ctx, w, rng)
    plan_this_year(ctx, w, rng, last)


def _head_for(ctx: Ctx, code: str) -> int | None:
    for group_id, codes in sorted(ctx.group_subjects.items()):
        if code in codes and group_id in ctx.heads:
            return ctx.heads[group_id]
    return None


def _record(
    ctx: Ctx,
    w: Writer,
    rng: random.Random,
    pupil: Pupil,
    year: SchoolYear,
    code: str | None,
    *,
    origin: str,
    term: int | None,
    value,
    weak_count: int,
    identified_by: int | None,
    identified_on: datetime.date,
    status: str,
    decided_by: int | None,
    decided_on: datetime.date | None,
) -> WeakRecord:
    """One line of the register, signed by whoever identified it (and confirmed it)."""
    if decided_on is not None:  # GVCNs confirm on school days
        decided_on = max(identified_on, _weekday_on_or_before(decided_on))
    score = value if isinstance(value, Decimal) else None
    causes, note = "", ""
    if status == WeakRecord.Status.DISMISSED:
        note = rng.choice(DISMISSED_NOTES)
    elif status == WeakRecord.Status.CONFIRMED and rng.random() < 0.9:
        causes, note = _causes(rng, pupil, code)
    confirmed = status == WeakRecord.Status.CONFIRMED
    signer = decided_by if decided_by and status != WeakRecord.Status.PROPOSED else identified_by
    when_day = decided_on if decided_on and status != WeakRecord.Status.PROPOSED else identified_on
    return w.add(
        WeakRecord(
            school=ctx.school,
            school_year=year,
            student_id=pupil.id,
            subject=ctx.subjects[code] if code else None,
            origin=origin,
            term=term,
            score=score,
            comment=value if isinstance(value, str) else "",
            gap=(ctx.threshold - score) if score is not None else None,
            weak_subject_count=weak_count,
            causes=causes,
            cause_note=note,
            identified_by_id=identified_by,
            identified_on=identified_on,
            status=status,
            confirmed_by_id=decided_by if confirmed else None,
            confirmed_at=_local(decided_on, 16, rng.randrange(60)) if confirmed else None,
        ),
        ctx.users.get(signer) if signer else None,
        _local(when_day, 16, rng.randrange(60)),
    )


@dataclass
class LastYear:
    values: dict[int, dict[int, dict[str, Decimal | str]]]
    results: dict[int, dict[int, dict]]
    records: dict[tuple[int, str | None], WeakRecord]


def plan_last_year(ctx: Ctx, w: Writer, rng: random.Random) -> LastYear:
    prev = ctx.previous
    pupils = [p for p in ctx.pupils if p.prev_class is not None]
    clerk = ctx.clerk or ctx.principal
    hk1_day = _weekday_on_or_before(prev.semester1_end + datetime.timedelta(days=3))
    hk2_day = _weekday_on_or_before(prev.end_date - datetime.timedelta(days=5))
    codes = {p.id: _codes(ctx, p) for p in pupils}
    values: dict[int, dict[int, dict]] = {p.id: {} for p in pupils}
    results: dict[int, dict[int, dict]] = {p.id: {} for p in pupils}
    for p in pupils:
        values[p.id][Term.HK1] = _values(ctx, p, "hk1", codes[p.id])
        results[p.id][Term.HK1] = _classify(ctx, values[p.id][Term.HK1])

    # The register after semester I: confirmed by the GVCN within the week, a few dismissed.
    records: dict[tuple[int, str | None], WeakRecord] = {}
    threshold = ctx.threshold

    def weak_codes(pid: int, term: int) -> list[str]:
        return [c for c, v in values[pid][term].items() if _is_weak(v, threshold)]

    def register(p: Pupil, term: int, day: datetime.date) -> None:
        weak = weak_codes(p.id, term)
        overall = results[p.id][term]["is_weak"]
        gvcn = ctx.prev_gvcn(p.prev_class)
        for code in [*weak, *([None] if overall else [])]:
            if (p.id, code) in records:
                continue
            roll = rng.random()
            status = (
                WeakRecord.Status.DISMISSED
                if roll < 0.03 and term == Term.HK1 and code is not None
                else WeakRecord.Status.PROPOSED
                if roll > 0.99
                else WeakRecord.Status.CONFIRMED
            )
            records[(p.id, code)] = _record(
                ctx,
                w,
                rng,
                p,
                prev,
                code,
                origin=WeakRecord.Origin.RESULTS,
                term=term,
                value=values[p.id][term][code] if code else None,
                weak_count=len(weak),
                identified_by=clerk,
                identified_on=day,
                status=status,
                decided_by=gvcn,
                decided_on=day + datetime.timedelta(days=rng.randint(1, 4)),
            )

    for p in pupils:
        register(p, Term.HK1, hk1_day + DAY)

    plan = _previous_plan(ctx, w, rng, pupils, values, records)

    # Who gets help in semester II: remedial groups per grade and subject, exam review for
    # grade 9, and a peer pair for some of the others.
    start = _monday_on_or_after(prev.semester2_start + datetime.timedelta(days=7))
    end = _weekday_on_or_before(prev.end_date - datetime.timedelta(days=15))
    specs: list[GroupSpec] = []
    helped: set[tuple[int, str]] = set()
    in_group: set[tuple[int, str]] = set()
    grade_of = {p.id: ctx.prev_classes[p.prev_class][1] for p in pupils}
    for grade in (6, 7, 8, 9):
        for code in CORE:
            if code not in ctx.subjects:
                continue
            candidates = [
                p
                for p in pupils
                if grade_of[p.id] == grade
                and (p.id, code) in records
                and records[(p.id, code)].status == WeakRecord.Status.CONFIRMED
            ]
            joined = [p for p in candidates if rng.random() < 0.85]
            # No group for a single student: a peer pair, or not covered yet.
            chunks = _chunks(joined, ctx.group_max) if len(joined) >= MIN_GROUP else []
            for k, chunk in enumerate(chunks):
                label = SUBJECT_LABELS[code]
                name = f"Phụ đạo {label} {grade}" + (f" – nhóm {k + 1}" if len(chunks) > 1 else "")
                tutors = ctx.tutors_for(code, grade, count=k + 1)[k:] or ctx.tutors_for(code, grade)
                specs.append(
                    GroupSpec(
                        prev,
                        GroupKind.REMEDIAL,
                        code,
                        grade,
                        name,
                        start,
                        end,
                        plan,
                        tutors[:1],
                        added_by=_head_for(ctx, code) or tutors[0],
                        members=[(p, records[(p.id, code)], start) for p in chunk],
                    )
                )
                in_group |= {(p.id, code) for p in chunk}
    exam_start = _monday_on_or_after(prev.semester2_start + datetime.timedelta(days=30))
    exam_end = _weekday_on_or_before(prev.end_date - DAY)
    grade9 = [p for p in pupils if grade_of[p.id] == 9]
    specs += _exam_specs(ctx, rng, prev, grade9, in_group, plan, exam_start, exam_end)

    pairs = []
    by_class: dict[int, list[Pupil]] = defaultdict(list)
    for p in pupils:
        by_class[p.prev_class].append(p)
    for classroom_id, mates in sorted(by_class.items()):
        weak = [
            (p, code)
            for p in mates
            for code in (*CORE, "KHTN")
            if (p.id, code) in records
            and records[(p.id, code)].status == WeakRecord.Status.CONFIRMED
            and (p.id, code) not in in_group
        ]
        strong = [
            p for p in mates if not weak_codes(p.id, Term.HK1) and (p.id, None) not in records
        ]
        rng.shuffle(weak)
        used: set[int] = set()
        for p, code in weak[: rng.randint(0, 2)]:
            helpers = [
                h
                for h in strong
                if h.id not in used and values[h.id][Term.HK1].get(code, Decimal(0)) >= Decimal(8)
            ]
            if not helpers or p.id in used:
                continue
            helper = rng.choice(helpers)
            used |= {helper.id, p.id}
            pairs.append((classroom_id, code, helper, p))
            helped.add((p.id, code))

    # Semester II: tutored students gain more; then the year and the learning results.
    tutored = in_group | helped
    for p in pupils:
        boost = {
            code: random.Random(f"dong-hanh-boost:{ctx.seed}:{p.code}:{code}").uniform(0.4, 1.6)  # noqa: S311
            for code in CORE + ("KHTN",)
            if (p.id, code) in tutored
        }
        hk1 = values[p.id][Term.HK1]
        hk2 = _values(ctx, p, "hk2", codes[p.id], shift=0.1, boost=boost, comment_factor=0.7)
        year = {
            code: (
                hk2[code]
                if isinstance(hk2[code], str)
                else rules.year_average(hk1[code], hk2[code])
            )
            for code in codes[p.id]
        }
        values[p.id][Term.HK2] = hk2
        values[p.id][Term.YEAR] = year
        results[p.id][Term.HK2] = _classify(ctx, hk2)
        results[p.id][Term.YEAR] = _classify(ctx, year)

    conducts = {p.id: _conduct(ctx, p) for p in pupils}
    signed = {
        Term.HK1: _local(hk1_day, 15, 20),
        Term.HK2: _local(hk2_day, 15, 40),
        Term.YEAR: _local(hk2_day, 15, 41),
    }
    subject_ids = {code: s.pk for code, s in ctx.subjects.items()}
    for p in pupils:
        for n, term in enumerate((Term.HK1, Term.HK2, Term.YEAR)):
            source = (
                SubjectResult.Source.COMPUTED if term == Term.YEAR else SubjectResult.Source.IMPORT
            )
            by = None if term == Term.YEAR else clerk
            for code, value in values[p.id][term].items():
                text = isinstance(value, str)
                row = (p.id, prev.pk, p.prev_class, subject_ids[code], term)
                row += (None if text else value, value if text else "", source, by)
                w.row(SubjectResult, row, clerk, signed[term])
            r = results[p.id][term]
            adjusted = r["adjusted_by"].pk if r["adjusted_by"] else None
            row = (p.id, prev.pk, p.prev_class, term, r["level"], r["base_level"], adjusted)
            row += (None, r["needs_review"], 0, r["is_weak"], LEVELS[conducts[p.id][n]], "")
            w.row(TermResult, row, clerk, signed[term])

    # Weak first in semester II (or only over the year); then who stopped being weak.
    for p in pupils:
        register(p, Term.HK2, hk2_day + DAY)
        register(p, Term.YEAR, hk2_day + DAY)
    terms = (Term.HK1, Term.HK2, Term.YEAR)
    for (pid, code), record in records.items():
        flags = [
            _is_weak(values[pid][t][code], threshold) if code else results[pid][t]["is_weak"]
            for t in terms
        ]
        resolved = None
        for i in range(terms.index(record.term) + 1, len(terms)):
            if not any(flags[i:]):
                resolved = terms[i]
                break
        record.resolved_term = resolved

    for spec in specs:
        for pupil, _, _ in spec.members:
            hk1, hk2 = values[pupil.id][Term.HK1], values[pupil.id][Term.HK2]
            shift = Decimal("-0.3") if spec.kind == GroupKind.EXAM_REVIEW else Decimal(0)
            spec.bases[pupil.id] = (hk1[spec.code] + shift, hk2[spec.code] + shift)
    schedule = Schedule(ctx, rng)
    for spec in specs:
        build_group(ctx, w, rng, spec, schedule, this_year=False)

    pair_start = _monday_on_or_after(prev.semester2_start + datetime.timedelta(days=14))
    for classroom_id, code, helper, p in pairs:
        weak_now = _is_weak(values[p.id][Term.HK2][code], threshold)
        outcome = PeerPair.Outcome.NOT_YET if weak_now else PeerPair.Outcome.PROGRESSED
        pair_end = end
        if rng.random() < 0.1:
            outcome, pair_end = PeerPair.Outcome.STOPPED, pair_start + datetime.timedelta(days=35)
        gvcn = ctx.prev_gvcn(classroom_id)
        w.add(
            PeerPair(
                school_year=prev,
                classroom_id=classroom_id,
                subject=ctx.subjects[code],
                helper_id=helper.id,
                helped_id=p.id,
                weak_record=records[(p.id, code)],
                start_date=pair_start,
                end_date=pair_end,
                outcome=outcome,
                note="Bạn chuyển chỗ ngồi, GVCN cho dừng."
                if outcome == PeerPair.Outcome.STOPPED
                else rng.choice(PEER_NOTES),
                created_by_id=gvcn,
            ),
            ctx.users.get(gvcn),
            _local(pair_start, 16, rng.randrange(60)),
        )

    counsel = [(p, p.prev_class, ctx.prev_gvcn(p.prev_class)) for p in grade9]
    _counselling(
        ctx,
        w,
        rng,
        prev,
        counsel,
        first=_monday_on_or_after(prev.semester2_start + datetime.timedelta(days=42)),
        last=_weekday_on_or_before(prev.end_date - datetime.timedelta(days=35)),
        share=0.95,
        days=ctx.prev_days,
    )
    return LastYear(values, results, records)


def _exam_specs(ctx, rng, year, grade9, in_group, plan, start, end) -> list[GroupSpec]:
    """Grade 9's exam review: most students register (voluntarily) for Toán, Ngữ văn and
    Tiếng Anh; those already in that subject's remedial group stay there (2 periods a week)."""
    registered = [p for p in grade9 if rng.random() < 0.6]
    specs = []
    for code in CORE:
        if code not in ctx.subjects:
            continue
        members = [p for p in registered if (p.id, code) not in in_group and rng.random() < 0.9]
        chunks = _chunks(members, ctx.group_max)
        teachers = ctx.tutors_for(code, 9, count=2)
        for k, chunk in enumerate(chunks):
            name = f"Ôn thi vào lớp 10 – {SUBJECT_LABELS[code]}"
            if len(chunks) > 1:
                name += f" – nhóm {k + 1}"
            tutors = teachers if len(chunks) == 1 else [teachers[k % len(teachers)]]
            specs.append(
                GroupSpec(
                    year,
                    GroupKind.EXAM_REVIEW,
                    code,
                    9,
                    name,
                    start,
                    end,
                    plan,
                    tutors,
                    added_by=_head_for(ctx, code) or tutors[0],
                    members=[(p, None, start) for p in chunk],
                )
            )
    return specs


def _counselling(ctx, w, rng, year, pupils, *, first, last, share, days) -> None:
    """Streaming counselling of grade 9: about 70 % choose upper secondary (the stronger ones
    more often), 10 % continuing education, 12 % vocational training, the rest undecided."""
    if not pupils or first > last:
        return
    ranked = sorted(pupils, key=lambda item: -(item[0].ability + rng.gauss(0, 0.7)))
    top = round(0.7 * len(ranked))
    Choice = Counselling.Choice  # noqa: N806
    choice = {}
    for i, (p, _, _) in enumerate(ranked):
        choice[p.id] = (
            Choice.UPPER_SECONDARY
            if i < top
            else _weighted(
                rng, [(Choice.CONTINUING, 10), (Choice.VOCATIONAL, 12), (Choice.UNDECIDED, 8)]
            )
        )
    for p, _, gvcn in pupils:
        if rng.random() >= share:
            continue
        day = _day_between(rng, days, first, last)
        if day is None:
            continue
        counsellor = gvcn if rng.random() < 0.75 or not ctx.vps else rng.choice(ctx.vps)
        present = rng.random() < 0.6
        made = choice[p.id]
        note = rng.choice(COUNSELLING_NOTES[made]).format(
            school=rng.choice(UPPER_SECONDARY_SCHOOLS)
        )
        w.add(
            Counselling(
                student_id=p.id,
                school_year=year,
                date=day,
                counsellor_id=counsellor,
                parents_present=present,
                parent_names=p.person if present else "",
                choice=made,
                note=note,
            ),
            ctx.users.get(counsellor),
            _local(day, 16, rng.randrange(60)),
        )


# --- Plans ----------------------------------------------------------------------------------------
MEASURES_SCHOOL = (
    "- Tổ chức phụ đạo miễn phí theo từng môn, từng khối; mỗi nhóm không quá 45 học sinh, không "
    "quá 2 tiết/tuần/môn, ngoài giờ học chính khóa, không dạy trước chương trình.\n"
    "- Mỗi học sinh có đơn đăng ký (Mẫu số 01) và ý kiến đồng ý của cha mẹ trước khi vào nhóm.\n"
    "- Kiểm tra đầu vào, giữa đợt và cuối đợt để đánh giá tiến bộ; GVCN thông báo kết quả cho "
    "gia đình.\n"
    "- Mỗi lớp xây dựng đôi bạn cùng tiến giữa học sinh khá, giỏi và học sinh yếu.\n"
    "- GVCN phối hợp với gia đình và Đoàn – Đội theo dõi chuyên cần của học sinh yếu.\n"
    "- Công khai kế hoạch trên bảng tin và trang thông tin điện tử của trường."
)
MEASURES_GROUP = (
    "- Mỗi khối một nhóm phụ đạo cho mỗi môn, tối đa 2 tiết/tuần vào buổi chiều.\n"
    "- Giáo viên dạy nhóm thống nhất nội dung theo yêu cầu cần đạt của chương trình; ưu tiên "
    "lấp lỗ hổng kiến thức cơ bản.\n"
    "- Sinh hoạt tổ hằng tháng đánh giá tiến bộ của học sinh qua bài kiểm tra giữa đợt.\n"
    "- Dự giờ các buổi phụ đạo ít nhất một lần mỗi tháng."
)
MEASURES_TEACHER = (
    "- Kiểm tra đầu vào để chia nội dung theo mức độ của từng em.\n"
    "- Mỗi buổi ôn lại kiến thức cơ bản, làm bài tập từ dễ đến khó, giao bài tập về nhà vừa sức.\n"
    "- Báo GVCN những em nghỉ buổi phụ đạo để liên hệ gia đình.\n"
    "- Kiểm tra giữa đợt và cuối đợt, so sánh với bài đầu vào."
)


def _percent(part: int, whole: int) -> Decimal:
    return (Decimal(100 * part) / Decimal(max(whole, 1))).quantize(Decimal("0.01"))


def _target(baseline: Decimal) -> Decimal:
    return (baseline * 2 / 3).quantize(Decimal("0.1")).quantize(Decimal("0.01"))


def _add_plan(
    ctx,
    w,
    rng,
    *,
    year,
    level,
    owner,
    title,
    start,
    end,
    codes,
    grades,
    status,
    decided_on=None,
    parent=None,
    subject_group=None,
    targets="",
    measures="",
    people="",
    goals=(),
) -> TutoringPlan:
    decided = status in (TutoringPlan.Status.APPROVED, TutoringPlan.Status.RETURNED)
    written = start - datetime.timedelta(days=10)
    plan = w.add(
        TutoringPlan(
            school=ctx.school,
            school_year=year,
            level=level,
            subject_group_id=subject_group,
            owner_id=owner,
            parent=parent,
            title=title,
            start_date=start,
            end_date=end,
            grades=grades,
            targets=targets,
            measures=measures,
            people=people,
            status=status,
            decided_by_id=ctx.principal if decided else None,
            decided_at=_local(decided_on, 10, rng.randrange(60)) if decided else None,
        ),
        ctx.users.get(owner),
        _local(written, 9, rng.randrange(60)),
    )
    w.m2m_add(plan, "subjects", [ctx.subjects[c].pk for c in codes if c in ctx.subjects])
    for code, grade, baseline, target in goals:
        label = SUBJECT_LABELS.get(code, "") if code else ""
        where = f"khối {grade}" if grade else "toàn trường"
        w.add(
            PlanGoal(
                plan=plan,
                subject=ctx.subjects.get(code) if code else None,
                grade=grade,
                description=f"Giảm tỉ lệ học sinh yếu môn {label} {where}",
                baseline_percent=baseline,
                target_percent=target,
            )
        )
    return plan


def _people_school(ctx: Ctx) -> str:
    principal = ctx.users[ctx.principal].full_name
    vp = ctx.users[ctx.vps[-1]].full_name if ctx.vps else principal
    return (
        f"- Hiệu trưởng {principal}: phê duyệt kế hoạch, kiểm tra, đánh giá.\n"
        f"- Phó hiệu trưởng {vp}: tổ chức thực hiện, xếp lịch phụ đạo, theo dõi các khối.\n"
        "- Tổ trưởng chuyên môn: xây dựng kế hoạch của tổ, phân công giáo viên phụ đạo.\n"
        "- Giáo viên bộ môn: soạn nội dung, dạy phụ đạo, điểm danh và ghi sổ theo dõi.\n"
        "- GVCN: xác nhận danh sách học sinh yếu, vận động gia đình, theo dõi tiến bộ."
    )


def _previous_plan(ctx, w, rng, pupils, values, records) -> TutoringPlan:
    prev = ctx.previous
    grade9 = [p for p in pupils if ctx.prev_classes[p.prev_class][1] == 9]
    goals = []
    for code in CORE:
        weak = sum(1 for p in pupils if (p.id, code) in records)
        baseline = _percent(weak, len(pupils))
        goals.append((code, None, baseline, _target(baseline)))
    weak_students = len({pid for pid, code in records if code in CORE})
    start = _monday_on_or_after(prev.semester2_start + datetime.timedelta(days=7))
    return _add_plan(
        ctx,
        w,
        rng,
        year=prev,
        level=TutoringPlan.Level.SCHOOL,
        owner=ctx.principal,
        title=f"Kế hoạch phụ đạo học sinh yếu, ôn thi vào lớp 10 học kì II năm học "
        f"{prev.start_year} – {prev.start_year + 1}",
        start=start,
        end=_weekday_on_or_before(prev.end_date - DAY),
        codes=CORE,
        grades="6,7,8,9",
        status=TutoringPlan.Status.APPROVED,
        decided_on=start - datetime.timedelta(days=4),
        targets=(
            f"Học sinh có điểm trung bình học kì I dưới {_vn(ctx.threshold)} ở các môn Toán, "
            f"Ngữ văn, Tiếng Anh ({weak_students} học sinh); {len(grade9)} học sinh lớp 9 được "
            "vận động đăng ký ôn thi tuyển sinh vào lớp 10."
        ),
        measures=MEASURES_SCHOOL,
        people=_people_school(ctx),
        goals=goals,
    )


# --- This year ------------------------------------------------------------------------------------
def plan_this_year(ctx: Ctx, w: Writer, rng: random.Random, last: LastYear) -> None:
    cur, story = ctx.current, ctx.story_day
    threshold = ctx.threshold
    pupils = [p for p in ctx.pupils if p.spans]
    days = ctx.cur_days
    Status = WeakRecord.Status  # noqa: N806

    # The start-of-year survey (khảo sát chất lượng đầu năm) in Toán, Ngữ văn, Tiếng Anh.
    survey_day = next((d for d in days if d >= cur.start_date + datetime.timedelta(days=5)), None)
    survey_saved = survey_day and _weekday_on_or_before(survey_day + datetime.timedelta(days=4))
    survey: dict[int, tuple[int, dict]] = {}
    core = [c for c in CORE if c in ctx.subjects]
    if survey_day and survey_saved <= story:
        for p in pupils:
            classroom = p.class_on(survey_day)
            if classroom is None:
                continue
            values = _values(ctx, p, "survey", core, shift=-0.1, noise=0.5)
            survey[p.id] = (classroom, values)
            for code, value in values.items():
                teacher = ctx.subject_teacher(classroom, code)
                row = (p.id, cur.pk, classroom, ctx.subjects[code].pk, Term.SURVEY, value, "")
                row += (SubjectResult.Source.IMPORT, teacher)
                w.row(SubjectResult, row, teacher, _local(survey_saved, 17, 30))

    # The register: each subject's latest result (the survey, else last year's), overall from
    # last year's learning result. GVCNs confirm most within two weeks; some still wait.
    from_results = cur.start_date + datetime.timedelta(days=3)
    candidates = []  # (pupil, code, origin, term, value, day, identified by, weak count)
    for p in pupils:
        year = last.values.get(p.id, {}).get(Term.YEAR, {})
        basis: dict[str, tuple] = {}
        if p.id in survey:
            classroom, values = survey[p.id]
            found = _weekday_on_or_before(survey_saved + datetime.timedelta(days=rng.randint(1, 3)))
            for code, value in values.items():
                teacher = ctx.subject_teacher(classroom, code)
                basis[code] = (WeakRecord.Origin.SURVEY, Term.SURVEY, value, found, teacher)
        start_class = p.class_on(from_results)
        for code, value in year.items():
            if code not in basis and start_class is not None:
                gvcn = ctx.gvcn(start_class)
                basis[code] = (WeakRecord.Origin.RESULTS, Term.YEAR, value, from_results, gvcn)
        weak = {code: b for code, b in basis.items() if _is_weak(b[2], threshold)}
        for code, (origin, term, value, day, by) in weak.items():
            if day <= story and p.class_on(day) is not None:
                candidates.append([p, code, origin, term, value, day, by, len(weak)])
        overall = last.results.get(p.id, {}).get(Term.YEAR)
        if overall and overall["is_weak"] and start_class is not None and from_results <= story:
            by = ctx.gvcn(start_class)
            item = [
                p,
                None,
                WeakRecord.Origin.RESULTS,
                Term.YEAR,
                None,
                from_results,
                by,
                len(weak),
            ]
            candidates.append(item)
    statuses = []
    for *_, day, _by, _count in candidates:
        roll = rng.random()
        decided = day + datetime.timedelta(days=rng.randint(2, 12))
        if roll < 0.05:
            statuses.append((Status.DISMISSED, decided))
        elif roll < 0.3 or decided > story:
            statuses.append((Status.PROPOSED, None))
        else:
            statuses.append((Status.CONFIRMED, decided))
    # The demo GVCN has a few records to confirm.
    gvcn_id = ctx.by_username.get("gvcn")
    gvcn_class = next((c for c, u in ctx.homeroom.items() if u == gvcn_id), None)
    if gvcn_class is not None:
        mine = [i for i, c in enumerate(candidates) if c[0].class_on(story) == gvcn_class]
        waiting = [i for i in mine if statuses[i][0] == Status.PROPOSED]
        confirmed = [i for i in mine if statuses[i][0] == Status.CONFIRMED]
        for i in confirmed[: max(0, 2 - len(waiting))]:
            statuses[i] = (Status.PROPOSED, None)
    records: dict[tuple[int, str | None], WeakRecord] = {}
    for (p, code, origin, term, value, day, by, count), (status, decided) in zip(
        candidates, statuses, strict=True
    ):
        records[(p.id, code)] = _record(
            ctx,
            w,
            rng,
            p,
            cur,
            code,
            origin=origin,
            term=term,
            value=value,
            weak_count=count,
            identified_by=by,
            identified_on=day,
            status=status,
            decided_by=ctx.gvcn(p.class_on(day)) if decided else None,
            decided_on=decided,
        )

    # Referrals: a subject teacher notices a student in class and refers them, with evidence.
    groups_start = _monday_on_or_after(cur.start_date + datetime.timedelta(days=28))
    present = [p for p in pupils if p.class_on(story) is not None]
    for _ in range(max(1, round(len(ctx.cur_classes) / 3)) if present else 0):
        p = rng.choice(present)
        code = rng.choice(["KHTN", "LSDL", "TOAN", "NV", "NN1", "CN"])
        day = _day_between(rng, days, groups_start, story - DAY)
        if day is None or (p.id, code) in records or code not in ctx.subjects:
            continue
        classroom = p.class_on(day) or p.class_on(story)
        teacher = ctx.subject_teacher(classroom, code)
        confirmed = rng.random() < 0.4 and day + datetime.timedelta(days=3) <= story
        record = _record(
            ctx,
            w,
            rng,
            p,
            cur,
            code,
            origin=WeakRecord.Origin.REFERRAL,
            term=None,
            value=None,
            weak_count=0,
            identified_by=teacher,
            identified_on=day,
            status=Status.CONFIRMED if confirmed else Status.PROPOSED,
            decided_by=ctx.gvcn(classroom) if confirmed else None,
            decided_on=day + datetime.timedelta(days=3) if confirmed else None,
        )
        a, b = sorted(rng.uniform(2.0, 4.6) for _ in range(2))
        record.evidence = rng.choice(REFERRAL_EVIDENCE).format(a=_vn(a), b=_vn(b))
        records[(p.id, code)] = record

    # Plans at three levels.
    active_by_grade = Counter(ctx.grade(c) for p in pupils if (c := p.class_on(story)))
    plans = _current_plans(ctx, w, rng, pupils, records, active_by_grade, groups_start)

    # Remedial groups per grade and subject from the confirmed records; one weak student is not
    # covered yet (the family has not returned the form), nor are some others.
    end = _weekday_on_or_before(cur.semester1_end - datetime.timedelta(days=7))
    open_records = {
        key: r
        for key, r in records.items()
        if key[1] in CORE
        and r.status == Status.CONFIRMED
        and r.origin != WeakRecord.Origin.REFERRAL
    }
    holdout = rng.choice(sorted(open_records, key=lambda k: (k[0], k[1]))) if open_records else None
    specs: list[GroupSpec] = []
    in_group: set[tuple[int, str]] = set()
    for grade in (6, 7, 8, 9):
        for code in core:
            joined = []
            for p in pupils:
                classroom = p.class_on(groups_start)
                if (
                    classroom is None
                    or ctx.grade(classroom) != grade
                    or (p.id, code) not in open_records
                    or (p.id, code) == holdout
                    or rng.random() >= 0.85
                ):
                    continue
                late = rng.random() < 0.06
                day = _day_between(
                    rng, days, groups_start + datetime.timedelta(days=14), min(story, end)
                )
                joined.append((p, day if late and day else groups_start))
            # No group for a single student: a peer pair, or not covered yet.
            chunks = _chunks(joined, ctx.group_max) if len(joined) >= MIN_GROUP else []
            for k, chunk in enumerate(chunks):
                name = f"Phụ đạo {SUBJECT_LABELS[code]} {grade}"
                if len(chunks) > 1:
                    name += f" – nhóm {k + 1}"
                tutors = ctx.tutors_for(code, grade, count=k + 1)[k:] or ctx.tutors_for(code, grade)
                spec = GroupSpec(
                    cur,
                    GroupKind.REMEDIAL,
                    code,
                    grade,
                    name,
                    groups_start,
                    end,
                    plans.get(code),
                    tutors[:1],
                    added_by=_head_for(ctx, code) or tutors[0],
                    members=[(p, records[(p.id, code)], day) for p, day in chunk],
                )
                for p, _ in chunk:
                    spec.bases[p.id] = (records[(p.id, code)].score, None)
                specs.append(spec)
                in_group |= {(p.id, code) for p, _ in chunk}
    exam_start = groups_start + datetime.timedelta(days=7)
    grade9 = [p for p in pupils if (c := p.class_on(exam_start)) and ctx.grade(c) == 9]
    exam_end = _weekday_on_or_before(cur.end_date - datetime.timedelta(days=7))
    exams = _exam_specs(ctx, rng, cur, grade9, in_group, plans.get("exam"), exam_start, exam_end)
    for spec in exams:
        for p, _, _ in spec.members:
            value = survey.get(p.id, (None, {}))[1].get(spec.code)
            spec.bases[p.id] = (value - Decimal("0.3") if value is not None else None, None)
    specs += exams
    # The demo tutor ``giaovien`` has a group with a session due and not recorded yet.
    tutor = ctx.by_username.get("giaovien")
    if tutor is not None and specs:
        mine = [s for s in specs if tutor in s.tutors]
        if not mine:
            pick = next((s for s in specs if s.code == "TOAN"), specs[0])
            pick.tutors = [tutor, *[t for t in pick.tutors if t != tutor]][:2]
            mine = [pick]
        for spec in mine:
            spec.keep_due = True
    schedule = Schedule(ctx, rng)
    if groups_start <= story:
        for spec in specs:
            build_group(ctx, w, rng, spec, schedule, this_year=True)

    # Peer pairs (đôi bạn cùng tiến) in each class, for weak students not in a group.
    classes = {c: [p for p in pupils if p.class_on(story) == c] for c in ctx.cur_classes}
    pair_days = (groups_start, min(story, groups_start + datetime.timedelta(days=20)))
    for classroom_id, mates in classes.items():
        if pair_days[0] > pair_days[1]:
            break

        def strength(p: Pupil, code: str) -> Decimal | None:
            if code in CORE and p.id in survey:
                return survey[p.id][1].get(code)
            value = last.values.get(p.id, {}).get(Term.YEAR, {}).get(code)
            return value if isinstance(value, Decimal) else None

        weak = [
            (p, code)
            for p in mates
            for code in (*CORE, "KHTN", "LSDL")
            if (p.id, code) in records
            and records[(p.id, code)].status != Status.DISMISSED
            and (p.id, code) not in in_group
            and (p.id, code) != holdout
        ]
        strong = [p for p in mates if not any(key[0] == p.id for key in records)]
        rng.shuffle(weak)
        used: set[int] = set()
        for p, code in weak[: rng.randint(1, 2)]:
            helpers = [
                h
                for h in strong
                if h.id not in used and (strength(h, code) or Decimal(0)) >= Decimal("7.5")
            ]
            if not helpers or p.id in used:
                continue
            helper = rng.choice(helpers)
            used |= {helper.id, p.id}
            day = _day_between(rng, days, *pair_days) or pair_days[0]
            gvcn = ctx.gvcn(classroom_id)
            w.add(
                PeerPair(
                    school_year=cur,
                    classroom_id=classroom_id,
                    subject=ctx.subjects[code],
                    helper_id=helper.id,
                    helped_id=p.id,
                    weak_record=records[(p.id, code)],
                    start_date=day,
                    note=rng.choice(PEER_NOTES),
                    created_by_id=gvcn,
                ),
                ctx.users.get(gvcn),
                _local(day, 16, rng.randrange(60)),
            )

    # Counselling of grade 9, from mid-October.
    first = cur.start_date + datetime.timedelta(days=44)
    counsel = [
        (p, c, ctx.gvcn(c)) for p in pupils if (c := p.class_on(first)) and ctx.grade(c) == 9
    ]
    _counselling(ctx, w, rng, cur, counsel, first=first, last=story - DAY, share=0.8, days=days)

    # Learning contacts with families, two or three per class.
    members = {(p.id, s.code) for s in specs for p, _, _ in s.members}
    missed = Counter()
    for spec in specs:
        for student_id, count in spec.absences.items():
            missed[(student_id, spec.code)] += count
    contact_from = survey_saved + datetime.timedelta(days=7) if survey_saved else groups_start
    for classroom_id, mates in classes.items():
        weak = [
            (p, code)
            for p in mates
            for code in core
            if (p.id, code) in records and records[(p.id, code)].status != Status.DISMISSED
        ]
        rng.shuffle(weak)
        weak = list({p.id: (p, code) for p, code in weak}.values())  # one subject per student
        gvcn = ctx.gvcn(classroom_id)
        for p, code in weak[: rng.randint(2, 3)]:
            tutored = (p.id, code) in members
            if tutored:  # how the tutoring goes, or two sessions missed
                method, text = CONTACT_NOTES[3 if missed[(p.id, code)] >= 2 else 2]
            else:  # the survey result and the offer of a group
                method, text = CONTACT_NOTES[rng.choice([0, 1])]
            first_day = groups_start + datetime.timedelta(days=14) if tutored else contact_from
            day = _day_between(rng, days, first_day, story)
            if day is None:
                continue
            score = records[(p.id, code)].score
            who = p.who
            w.add(
                FamilyContact(
                    student_id=p.id,
                    date=day,
                    method=method,
                    topic="learning",
                    contact_person=p.person,
                    content=text.format(
                        who=who,
                        Who=who[:1].upper() + who[1:],
                        subject=SUBJECT_LABELS[code],
                        score=_vn(score) if score is not None else "dưới 5",
                    ),
                    recorded_by_id=gvcn,
                ),
                ctx.users.get(gvcn),
                _local(day, 17, rng.randrange(60)),
            )


def _current_plans(ctx, w, rng, pupils, records, active_by_grade, groups_start) -> dict:
    """The school's plan (approved), one plan per subject group teaching Toán, Ngữ văn or
    Tiếng Anh (approved, waiting for approval, draft) and two teachers' plans. Returns the plan
    each subject's groups belong to ("exam": the school's)."""
    cur, story = ctx.current, ctx.story_day
    Status = TutoringPlan.Status  # noqa: N806
    grade_of = {p.id: ctx.grade(c) for p in pupils if (c := p.class_on(story))}
    active = {
        key
        for key, r in records.items()
        if r.status != WeakRecord.Status.DISMISSED and key[0] in grade_of
    }

    weak_counts = Counter()
    for pid, code in active:
        weak_counts[(code, None)] += 1
        weak_counts[(code, grade_of[pid])] += 1

    def rate(code: str, grade: int | None = None) -> Decimal:
        whole = active_by_grade[grade] if grade else sum(active_by_grade.values())
        return _percent(weak_counts[(code, grade)], whole)

    core = [c for c in CORE if c in ctx.subjects]
    grades = [g for g in (6, 7, 8, 9) if active_by_grade[g]]
    start = groups_start - datetime.timedelta(days=7)
    end = _weekday_on_or_before(cur.end_date - datetime.timedelta(days=7))
    years = f"{cur.start_year} – {cur.start_year + 1}"

    def status_for(wanted: str, day: datetime.date) -> tuple[str, datetime.date | None]:
        if wanted == Status.APPROVED and day > story:
            return Status.SUBMITTED, None
        return wanted, day if wanted == Status.APPROVED else None

    weak_students = len({pid for pid, code in active if code in core})
    goals = [(c, None, rate(c), _target(rate(c))) for c in core]
    if "TOAN" in core:
        goals += [("TOAN", g, rate("TOAN", g), _target(rate("TOAN", g))) for g in grades]
    status, decided = status_for(Status.APPROVED, start + datetime.timedelta(days=2))
    school = _add_plan(
        ctx,
        w,
        rng,
        year=cur,
        level=TutoringPlan.Level.SCHOOL,
        owner=ctx.principal,
        title=f"Kế hoạch phụ đạo học sinh yếu, ôn thi vào lớp 10 năm học {years}",
        start=start,
        end=end,
        codes=core,
        grades=",".join(str(g) for g in grades),
        status=status,
        decided_on=decided,
        targets=(
            "Học sinh có kết quả khảo sát đầu năm hoặc kết quả cả năm học "
            f"{cur.start_year - 1} – {cur.start_year} dưới {_vn(ctx.threshold)} ở các môn Toán, "
            f"Ngữ văn, Tiếng Anh: {weak_students} học sinh. Học sinh lớp 9 tự nguyện đăng ký ôn "
            "thi tuyển sinh vào lớp 10."
        ),
        measures=MEASURES_SCHOOL,
        people=_people_school(ctx),
        goals=goals,
    )
    out: dict[str, TutoringPlan] = {"exam": school}
    groups = [
        (gid, [c for c in core if c in codes])
        for gid, codes in ctx.group_subjects.items()
        if any(c in core for c in codes)
    ]
    groups.sort(key=lambda g: core.index(g[1][0]))
    wanted = [Status.APPROVED, Status.SUBMITTED, Status.DRAFT]
    for i, (gid, codes) in enumerate(groups):
        head = ctx.heads.get(gid, ctx.principal)
        status, decided = status_for(wanted[min(i, 2)], start + datetime.timedelta(days=4))
        labels = ", ".join(SUBJECT_LABELS[c] for c in codes)
        people = [f"- Tổ trưởng {ctx.users[head].full_name}: xây dựng kế hoạch, phân công, dự giờ."]
        for code in codes:
            for grade in grades:
                tutor = ctx.tutors_for(code, grade)[0]
                name = ctx.users[tutor].full_name
                people.append(f"- {name}: phụ đạo môn {SUBJECT_LABELS[code]} khối {grade}.")
        plan = _add_plan(
            ctx,
            w,
            rng,
            year=cur,
            level=TutoringPlan.Level.GROUP,
            owner=head,
            parent=school,
            subject_group=gid,
            title=f"Kế hoạch phụ đạo học sinh yếu của {ctx.group_names[gid]} năm học {years}",
            start=start + datetime.timedelta(days=3),
            end=end,
            codes=codes,
            grades=",".join(str(g) for g in grades),
            status=status,
            decided_on=decided,
            targets=(
                f"Học sinh yếu môn {labels} các khối {', '.join(str(g) for g in grades)}; học sinh "
                f"lớp 9 đăng ký ôn thi vào lớp 10 môn {labels}."
            ),
            measures=MEASURES_GROUP,
            people="\n".join(people),
            goals=[(c, g, rate(c, g), _target(rate(c, g))) for c in codes for g in grades],
        )
        for code in codes:
            out[code] = plan
    for code, grade, wanted_status in (("TOAN", 8, Status.APPROVED), ("NV", 6, Status.SUBMITTED)):
        if code not in core or not active_by_grade[grade]:
            continue
        teacher = ctx.tutors_for(code, grade)[0]
        parent = out.get(code, school)
        status, decided = status_for(wanted_status, start + datetime.timedelta(days=8))
        label = SUBJECT_LABELS[code]
        weak = sum(1 for pid, c in active if c == code and grade_of[pid] == grade)
        _add_plan(
            ctx,
            w,
            rng,
            year=cur,
            level=TutoringPlan.Level.TEACHER,
            owner=teacher,
            parent=parent,
            subject_group=parent.subject_group_id,
            title=f"Kế hoạch phụ đạo môn {label} khối {grade} năm học {years}",
            start=start + datetime.timedelta(days=7),
            end=_weekday_on_or_before(cur.semester1_end - datetime.timedelta(days=7)),
            codes=[code],
            grades=str(grade),
            status=status,
            decided_on=decided,
            targets=(
                f"Học sinh yếu môn {label} khối {grade} ({weak} học sinh), phần lớn hổng kiến thức "
                "cơ bản của lớp dưới."
            ),
            measures=MEASURES_TEACHER,
            people=(
                f"- {ctx.users[teacher].full_name}: dạy phụ đạo, điểm danh, ghi sổ theo dõi.\n"
                f"- GVCN các lớp khối {grade}: nhắc nhở học sinh đi học đều, báo gia đình."
            ),
            goals=[(code, grade, rate(code, grade), _target(rate(code, grade)))],
        )
    for code in core:
        out.setdefault(code, school)
    return out
