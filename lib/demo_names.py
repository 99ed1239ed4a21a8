"""Names and places for the demo district (``seed_demo``): data only, no Django state.

The district is set in the former Long Phú district of Sóc Trăng (part of Cần Thơ city since the
2025 merger): Kinh majority, a large Khmer community and a smaller Hoa one. Weights are rough
shares, enough for the demo to look like a real class list; none of the people exist.
"""

# --- Kinh ------------------------------------------------------------------------------------
# Family names, weighted (Mekong Delta: Huỳnh and Võ rather than Hoàng and Vũ).
KINH_FAMILY = [
    ("Nguyễn", 34),
    ("Trần", 11),
    ("Lê", 9),
    ("Phạm", 6),
    ("Huỳnh", 5),
    ("Võ", 4),
    ("Phan", 4),
    ("Trương", 2),
    ("Đặng", 2),
    ("Bùi", 2),
    ("Đỗ", 2),
    ("Hồ", 2),
    ("Ngô", 2),
    ("Dương", 2),
    ("Lý", 1),
    ("Đoàn", 1),
    ("Đinh", 1),
    ("Lương", 1),
    ("Châu", 1),
    ("Mai", 1),
    ("Tô", 1),
    ("Cao", 1),
    ("Lâm", 1),
    ("Hà", 1),
]

# Middle names of children born 2011–2015: fewer Văn/Thị than their parents, more Gia/Minh/Ngọc.
BOY_MIDDLE = [
    ("Văn", 10),
    ("Minh", 10),
    ("Gia", 8),
    ("Hoàng", 6),
    ("Quốc", 6),
    ("Thanh", 5),
    ("Đức", 5),
    ("Hữu", 4),
    ("Tấn", 4),
    ("Nhật", 4),
    ("Anh", 3),
    ("Trung", 3),
    ("Bảo", 3),
    ("Thành", 3),
    ("Duy", 3),
    ("Trọng", 2),
    ("Công", 2),
    ("Phước", 2),
    ("Hoàng Gia", 2),
    ("Minh Nhật", 1),
    ("Nguyễn Gia", 1),
]
GIRL_MIDDLE = [
    ("Thị", 10),
    ("Ngọc", 10),
    ("Thị Ngọc", 5),
    ("Thị Mỹ", 4),
    ("Thị Kim", 3),
    ("Bảo", 5),
    ("Gia", 5),
    ("Khánh", 4),
    ("Minh", 4),
    ("Thanh", 4),
    ("Mỹ", 4),
    ("Kim", 3),
    ("Yến", 2),
    ("Như", 2),
    ("Thảo", 2),
    ("Tường", 2),
    ("Phương", 2),
    ("Hoàng", 2),
    ("Ngọc Bảo", 2),
    ("Thị Thanh", 2),
    ("Huỳnh", 1),
]
BOY_GIVEN = [
    "An",
    "Ân",
    "Bảo",
    "Bình",
    "Cường",
    "Danh",
    "Đạt",
    "Định",
    "Đức",
    "Dũng",
    "Duy",
    "Dương",
    "Hải",
    "Hào",
    "Hậu",
    "Hiếu",
    "Hoàng",
    "Huy",
    "Hưng",
    "Kha",
    "Khang",
    "Khánh",
    "Khoa",
    "Khôi",
    "Kiệt",
    "Lâm",
    "Lộc",
    "Long",
    "Luân",
    "Minh",
    "Nam",
    "Nghĩa",
    "Nguyên",
    "Nhân",
    "Nhật",
    "Phát",
    "Phong",
    "Phúc",
    "Quân",
    "Quang",
    "Sang",
    "Sơn",
    "Tài",
    "Tâm",
    "Thắng",
    "Thành",
    "Thiện",
    "Thịnh",
    "Thuận",
    "Tín",
    "Toàn",
    "Trí",
    "Trung",
    "Trường",
    "Tú",
    "Tuấn",
    "Việt",
    "Vinh",
    "Vũ",
]
GIRL_GIVEN = [
    "An",
    "Anh",
    "Ánh",
    "Châu",
    "Chi",
    "Diễm",
    "Dung",
    "Duyên",
    "Giang",
    "Hà",
    "Hân",
    "Hằng",
    "Hạnh",
    "Hiền",
    "Hoa",
    "Hương",
    "Huyền",
    "Khánh",
    "Khuê",
    "Lan",
    "Linh",
    "Loan",
    "Mai",
    "My",
    "Ngân",
    "Ngọc",
    "Nhi",
    "Nhung",
    "Như",
    "Oanh",
    "Phương",
    "Quyên",
    "Quỳnh",
    "Tâm",
    "Thảo",
    "Thư",
    "Thương",
    "Thùy",
    "Tiên",
    "Trâm",
    "Trang",
    "Trinh",
    "Tú",
    "Uyên",
    "Vân",
    "Vy",
    "Xuân",
    "Ý",
    "Yến",
]

# Adults (parents, grandparents, teachers), born 1955–2000.
MAN_MIDDLE = [
    ("Văn", 30),
    ("Minh", 8),
    ("Thanh", 8),
    ("Quốc", 6),
    ("Hoàng", 5),
    ("Hữu", 5),
    ("Ngọc", 4),
    ("Công", 4),
    ("Tấn", 4),
    ("Trung", 3),
    ("Chí", 3),
    ("Phước", 3),
    ("Thành", 3),
    ("Đức", 3),
]
WOMAN_MIDDLE = [
    ("Thị", 40),
    ("Thị Thu", 6),
    ("Thị Ngọc", 6),
    ("Thị Mỹ", 5),
    ("Thị Kim", 5),
    ("Thị Thanh", 5),
    ("Thị Hồng", 4),
    ("Thị Bích", 3),
    ("Thị Diễm", 2),
    ("Thị Cẩm", 2),
    ("Thị Tuyết", 2),
    ("Ngọc", 4),
    ("Kim", 3),
    ("Thanh", 3),
    ("Mỹ", 3),
]
MAN_GIVEN = [
    "Bình",
    "Cường",
    "Đông",
    "Dũng",
    "Hải",
    "Hiếu",
    "Hòa",
    "Hùng",
    "Khải",
    "Lộc",
    "Lợi",
    "Nghĩa",
    "Nhân",
    "Phong",
    "Phúc",
    "Quang",
    "Sơn",
    "Tâm",
    "Thành",
    "Thắng",
    "Toàn",
    "Trí",
    "Tuấn",
    "Tùng",
    "Vinh",
    "Vũ",
    "Hậu",
    "Phương",
    "Thạnh",
    "Tài",
]
WOMAN_GIVEN = [
    "Dung",
    "Diễm",
    "Giang",
    "Hà",
    "Hạnh",
    "Hằng",
    "Hiền",
    "Hoa",
    "Hương",
    "Lan",
    "Liên",
    "Loan",
    "Mai",
    "Nga",
    "Ngân",
    "Nhung",
    "Oanh",
    "Phượng",
    "Thảo",
    "Thủy",
    "Trang",
    "Trinh",
    "Tuyền",
    "Vân",
    "Xuân",
    "Yến",
    "Lệ",
    "Út",
    "Bé",
    "Sương",
]

# --- Hoa (Vietnamese Chinese): Vietnamese given names, their own family names ---------------
HOA_FAMILY = [
    ("Lý", 6),
    ("Trương", 4),
    ("Quách", 4),
    ("Lâm", 4),
    ("Tăng", 3),
    ("Mã", 3),
    ("Lưu", 3),
    ("Hứa", 3),
    ("Diệp", 2),
    ("Tiêu", 2),
    ("La", 2),
    ("Huỳnh", 2),
    ("Trịnh", 2),
    ("Thái", 2),
    ("Lư", 1),
]

# --- Khmer (Sóc Trăng): Khmer given names written the Vietnamese way, e.g. Thạch Thị Sa Rây -----
KHMER_FAMILY = [
    ("Thạch", 20),
    ("Sơn", 14),
    ("Lâm", 10),
    ("Kim", 8),
    ("Danh", 8),
    ("Lý", 6),
    ("Trịnh", 4),
    ("Châu", 4),
    ("Triệu", 3),
    ("Dương", 3),
    ("Tăng", 3),
    ("Huỳnh", 3),
    ("Kiên", 2),
    ("Trương", 2),
]
KHMER_GIRL_GIVEN = [
    "Sa Rây",
    "Sóc Khum",
    "Chanh Đa",
    "Sô Phi",
    "Pha Ly",
    "Ka Nha",
    "Chanh Thu",
    "Ly Đa",
    "Sa Mây",
    "Sa Phia",
    "Ca Ry",
    "Bô Pha",
    "Thi Đa",
    "Sa Ly",
    "Sô Kha",
    "Sa Vin",
    "Kim Thoa",
    "Sà Mết",
    "Đa Ni",
    "Mây",
]
KHMER_BOY_GIVEN = [
    "Sơn",
    "Tha",
    "Sa Rinh",
    "Sô Phol",
    "Đa Ra",
    "Vi Sal",
    "Rô Tha",
    "Mô Ni",
    "Pích",
    "Sóc Heng",
    "Sa Rết",
    "Chanh",
    "Ra",
    "Khol",
    "Sang",
    "Phanh",
    "Sa Vơn",
    "Kha",
    "Thol",
    "Rinh",
    "Sóc",
    "Vol",
]

KINH = "Kinh"
KHMER = "Khmer"
HOA = "Hoa"

# --- Places ----------------------------------------------------------------------------------
# Communes (after the 2025 reform) and hamlets (ấp) of the demo district.
COMMUNES = {
    "xã Long Phú": ["Nội Ô", "Chợ", "Phú Đức", "Phú Đức A", "Phú Hữu", "Tân Qui", "Sóc Mới"],
    "xã Đại Ngãi": ["Ngãi Hội 1", "Ngãi Hội 2", "Đại Ân", "Mỹ Thạnh", "Tâm Vu", "Nhàn Dân"],
    "xã Trường Khánh": ["Trường Lộc", "Trường Thọ", "Trường Hưng", "Trường Bình", "Sóc Dong"],
    "xã Tân Thạnh": ["Tân Qui A", "Tân Qui B", "Bưng Long", "Ba Rinh", "Tắc Gồng"],
    "xã Song Phụng": ["Phụng Sơn", "Phụng Tường", "Khoan Tang", "Bâng Chông"],
    "xã Châu Khánh": ["Châu Thành", "Ca Lạc", "Kokô", "Trà Ếch"],
    "xã Long Đức": ["Long Hòa", "Thạnh Đức", "Lợi Đức", "Hòa Đức"],
    "xã Tân Hưng": ["Phú Thứ", "Mỹ Hội", "Nhất Thắng", "Hậu Bối"],
}

STREETS = ["đường 30 Tháng 4", "đường Lê Lợi", "đường Trần Hưng Đạo", "đường Nguyễn Huệ"]

# Where families move to for work, or come back from.
AWAY_PLACES = ["Bình Dương", "TP. Hồ Chí Minh", "Đồng Nai", "Long An", "Cà Mau"]

# (occupation, weight) of fathers/grandfathers and of mothers/grandmothers.
MEN_OCCUPATIONS = [
    ("Làm ruộng", 22),
    ("Làm thuê", 14),
    ("Nuôi tôm", 7),
    ("Trồng màu", 6),
    ("Công nhân", 8),
    ("Thợ hồ", 7),
    ("Buôn bán nhỏ", 5),
    ("Tài xế", 4),
    ("Chạy xe ôm", 3),
    ("Đánh bắt thủy sản", 4),
    ("Công chức", 2),
    ("Giáo viên", 1),
]
WOMEN_OCCUPATIONS = [
    ("Làm ruộng", 18),
    ("Làm thuê", 12),
    ("Buôn bán nhỏ", 12),
    ("Nội trợ", 12),
    ("Công nhân", 9),
    ("Trồng màu", 5),
    ("Nuôi tôm", 3),
    ("Thợ may", 3),
    ("Công chức", 2),
    ("Giáo viên", 2),
]

PHONE_PREFIXES = ["090", "091", "093", "094", "096", "097", "098", "032", "033", "034", "035"]
PHONE_PREFIXES += ["036", "037", "038", "039"]

# --- Movements: realistic notes ---------------------------------------------------------------
TRANSFER_OUT_NOTES = [
    "Theo cha mẹ lên {place} làm ăn",
    "Chuyển trường theo gia đình đến {place}",
    "Gia đình chuyển nơi ở đến {place}",
]
TRANSFER_IN_NOTES = [
    "Theo gia đình từ {place} về quê",
    "Cha mẹ nghỉ làm ở {place}, cả nhà về quê",
    "Gia đình chuyển từ {place} về",
]
CLASS_CHANGE_NOTES = [
    "Chuyển lớp theo nguyện vọng của gia đình",
    "Chuyển lớp để cân đối sĩ số",
]
# (dropout cause codes, what the GVCN wrote)
DROPOUT_REASONS_POOR = [
    ("1a,3a", "Nhà xa, gia đình khó khăn không lo được chi phí đi học"),
    ("1b", "Nghỉ học ở nhà phụ gia đình làm ruộng"),
    ("1c", "Theo người quen lên Bình Dương làm công nhân"),
]
DROPOUT_REASONS_AWAY = [
    ("5c,2c", "Cha mẹ đi làm xa, ở với ông bà, không ai nhắc nhở việc học"),
    ("1c,5c", "Theo cha mẹ đi làm thuê ở nơi khác"),
]
DROPOUT_REASONS_OTHER = [
    ("2a,2c", "Học yếu, chán học, nghỉ nhiều buổi không phép"),
    ("2c,5e", "Ham chơi điện tử, bỏ học nhiều ngày"),
    ("1b,2c", "Nghỉ học phụ gia đình, không muốn đi học lại"),
    ("5b", "Bệnh kéo dài, gia đình xin cho nghỉ"),
]
RETURNED_NOTES = [
    "Trở lại lớp sau ba lần GVCN và Đoàn – Đội đến nhà vận động",
    "Gia đình cam kết cho em đi học lại sau buổi thăm gia đình",
]
LIVES_AWAY_NOTES = [
    "Cha mẹ đi làm ăn xa ở {place}, em ở với ông bà",
    "Cha mẹ làm công nhân ở {place}, em ở với bà ngoại",
]
DISABILITY_NOTES = ["Khuyết tật vận động nhẹ", "Khiếm thị nhẹ", "Khó khăn về nghe"]

# --- Attendance: reasons, lateness, contacts with families ------------------------------------
# Reasons a parent gives for an excused absence (P), weighted. GVCNs write them short.
ABSENCE_REASONS_EXCUSED = [
    ("Ốm", 26),
    ("Sốt", 12),
    ("Việc gia đình", 14),
    ("Đi khám bệnh", 9),
    ("Đám giỗ", 7),
    ("Đau bụng", 6),
    ("Nhà có đám cưới", 3),
    ("Đau răng", 2),
    ("Mưa lớn, đường ngập", 4),
    ("Về quê", 3),
    ("", 8),  # the parent asked for leave and gave no reason
]
# Unexcused absences (K) mostly have no reason; sometimes the GVCN learns one later.
ABSENCE_REASONS_UNEXCUSED = [
    ("", 85),
    ("Ở nhà phụ gia đình", 6),
    ("Gia đình không báo", 5),
    ("Đi làm thuê với cha mẹ", 4),
]
# Long absences of the last two weeks: (status, reason, what the family says when contacted).
LONG_ABSENCES_EXCUSED = [
    ("Sốt xuất huyết, nằm viện", "em bị sốt xuất huyết, đang nằm viện huyện"),
    ("Ốm, nằm viện", "em bị viêm phổi, đang điều trị ở bệnh viện huyện"),
    ("Bệnh thủy đậu", "em bị thủy đậu, bác sĩ dặn nghỉ ở nhà một tuần"),
]
LONG_ABSENCES_UNEXCUSED = [
    ("", "em theo cha ra ruộng phụ thu hoạch lúa"),
    ("", "em ở nhà giữ em nhỏ cho mẹ đi làm thuê"),
    ("", "em không chịu đi học, ở nhà chơi điện thoại"),
    ("", "em theo mẹ đi làm thuê ở xã bên"),
]
# A Khmer festival many Khmer students go home for (29/8–1/9 âm lịch: 9–10/10/2026).
FESTIVAL_REASON = "Về quê dự lễ Sene Dolta"

LATE_NOTES = [
    ("Trễ 5 phút", 30),
    ("Trễ 10 phút", 25),
    ("Trễ 15 phút", 12),
    ("Xe đạp hư giữa đường", 8),
    ("Mưa lớn", 8),
    ("Ngủ quên", 10),
    ("Đò qua sông trễ", 4),
    ("", 10),
]
SKIPPED_NOTES = [
    ("Ra tiệm game trước cổng trường", 4),
    ("Trốn tiết Thể dục", 3),
    ("Ngồi quán nước sau trường", 3),
    ("Không vào lớp sau giờ ra chơi", 4),
    ("", 2),
]
SKIPPED_PERIODS = ["Tiết 2", "Tiết 3", "Tiết 4", "Tiết 4, 5", "Tiết 5", "Tiết 3, 4"]

# How a GVCN names the person they spoke to.
RELATION_WORDS = {
    "father": "cha",
    "mother": "mẹ",
    "grandfather": "ông",
    "grandmother": "bà",
    "sibling": "anh chị",
    "relative": "người thân",
    "guardian": "người giám hộ",
}
# What the GVCN wrote after contacting the family ({who}: "mẹ em", {what}: what the family said).
CONTACT_CALL_NOTES = [
    "Gọi điện cho {who}: {what}. GVCN dặn gia đình báo khi em đi học lại và nhờ bạn cùng lớp "
    "chép bài giúp em.",
    "Gọi điện cho {who}: {what}. Gia đình hứa cho em đi học lại ngay khi khỏe.",
]
CONTACT_MESSAGE_NOTES = [
    "Nhắn Zalo cho {who} báo em nghỉ học nhiều ngày. {Who} trả lời: {what}; hứa nhắc em đi "
    "học lại từ thứ Hai.",
]
CONTACT_VISIT_NOTES = [
    "Gọi điện nhiều lần không được, {who_short} nhắn lại: {what}. GVCN hẹn cùng Đoàn – Đội đến "
    "thăm gia đình chiều thứ Bảy.",
]
CONTACT_CHRONIC_NOTES = [
    (
        "meeting",
        "Mời {who} lên trường gặp GVCN và Phó hiệu trưởng về việc em nghỉ học nhiều buổi. "
        "Gia đình cam kết nhắc nhở, đưa em đi học đầy đủ.",
    ),
    (
        "phone",
        "Gọi điện cho {who} thông báo số buổi nghỉ của em đã gần mức bị ở lại lớp (45 buổi). "
        "{Who} cho biết nhà khó khăn, em hay ở nhà phụ việc; hứa sắp xếp cho em đi học đều.",
    ),
    (
        "visit_planned",
        "Em nghỉ nhiều buổi không phép. GVCN và Đoàn – Đội sẽ đến thăm gia đình vào cuối tuần "
        "để vận động em đi học đều.",
    ),
]
# Monthly class-size confirmation: how the GVCN explains the month's changes.
CONFIRM_NO_CHANGE = ["", "", "Không có biến động.", "Sĩ số ổn định."]
CONFIRM_MOVES = {
    "transfer_out": "chuyển đi: {names}",
    "transfer_in": "chuyển đến: {names}",
    "dropped_out": "bỏ học: {names}",
    "class_out": "chuyển sang lớp khác: {names}",
    "class_in": "từ lớp khác chuyển đến: {names}",
    "returned": "trở lại học: {names}",
}
# What the family says when the GVCN calls about absences, by the reason the roll gives.
FAMILY_SAYS = {
    "Ốm": "em bị cảm mấy hôm, nay đã đỡ",
    "Sốt": "em bị sốt, đã cho uống thuốc và đi khám ở trạm y tế xã",
    "Việc gia đình": "nhà có việc nên cho em nghỉ ở nhà mấy hôm",
    "Đi khám bệnh": "em đi khám bệnh ở bệnh viện huyện, phải chờ kết quả",
    "Đám giỗ": "nhà có đám giỗ ông nội",
    "Đau bụng": "em bị đau bụng, đã đi khám, không có gì nặng",
    "Nhà có đám cưới": "nhà có đám cưới chị họ",
    "Mưa lớn, đường ngập": "mưa lớn, đường vô ấp ngập nên em không đi được",
    "Về quê": "cả nhà về quê ngoại có việc",
}
FAMILY_SAYS_UNEXCUSED = [
    "em đi chơi với bạn, gia đình tưởng em vẫn đi học",
    "em ở nhà phụ gia đình làm ruộng mấy hôm",
    "em ngủ quên rồi ở nhà luôn, cha mẹ đi làm sớm không biết",
    "em theo cha đi làm thuê ở xã bên",
]
CONTACT_UNEXCUSED_NOTES = [
    "Nhắn Zalo cho {who} báo em nghỉ không phép {count} buổi. {Who} cho biết {what}; hứa nhắc "
    "nhở em đi học đầy đủ, nghỉ phải xin phép.",
    "Gọi điện cho {who} báo em nghỉ không phép {count} buổi. {Who} cho biết {what}. GVCN nhắc "
    "gia đình khi em nghỉ phải báo cho lớp.",
]
