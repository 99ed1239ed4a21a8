"""Sample class-list files shaped like SMAS / vnEdu exports (title rows, then the table)."""

from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Font

ROSTER_HEADER = [
    "STT",
    "Mã học sinh",
    "Họ và tên",
    "Ngày sinh",
    "Giới tính",
    "Dân tộc",
    "Lớp",
    "Địa chỉ",
    "Họ tên cha/mẹ",
    "Điện thoại",
]


def roster_xlsx(school_name: str, class_name: str, rows: list[list]) -> bytes:
    """rows: [code, full name, dd/mm/yyyy, Nam/Nữ, ethnicity, address, guardian, phone]."""
    wb = Workbook()
    ws = wb.active
    ws.title = class_name
    ws.append(["PHÒNG GIÁO DỤC VÀ ĐÀO TẠO"])
    ws.append([school_name.upper()])
    ws.append([])
    ws.append([f"DANH SÁCH HỌC SINH LỚP {class_name}"])
    ws["A4"].font = Font(bold=True, size=14)
    ws.append([])
    ws.append(ROSTER_HEADER)
    for number, (code, name, born, gender, ethnicity, address, guardian, phone) in enumerate(
        rows, start=1
    ):
        ws.append(
            [number, code, name, born, gender, ethnicity, class_name, address, guardian, phone]
        )
    buffer = BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


SAMPLE_ROWS = [
    [
        "HS26001",
        "Nguyễn Thị Ánh",
        "14/02/2015",
        "Nữ",
        "Kinh",
        "Ấp Phú Đức, xã Long Phú",
        "Nguyễn Văn Tư",
        "0912345001",
    ],
    [
        "HS26002",
        "Lê Văn Anh",
        "03/07/2015",
        "Nam",
        "Kinh",
        "Ấp Phú Đức, xã Long Phú",
        "Lê Thị Mai",
        "0912345002",
    ],
    [
        "HS26003",
        "Thạch Thị Sa Rây",
        "21/11/2015",
        "Nữ",
        "Khmer",
        "Ấp Nước Mặn, xã Long Phú",
        "Thạch Sương",
        "0387654003",
    ],
    [
        "HS26004",
        "Đặng Quốc Bảo",
        "09/09/2015",
        "Nam",
        "Kinh",
        "Ấp Tân Hội, xã Tân Thạnh",
        "Đặng Văn Hùng",
        "0912345004",
    ],
    [
        "HS26005",
        "Trần Ngọc Ân",
        "30/01/2015",
        "Nữ",
        "Kinh",
        "Ấp Tân Hội, xã Tân Thạnh",
        "Trần Văn Sáu",
        "0912345005",
    ],
    [
        "HS26006",
        "Danh Sơn",
        "17/05/2015",
        "Nam",
        "Khmer",
        "Ấp Saintard, xã Long Phú",
        "Danh Thị Phương",
        "0387654006",
    ],
    [
        "HS26007",
        "Huỳnh Thị Yến",
        "12/12/2015",
        "Nữ",
        "Hoa",
        "Khóm 2, thị trấn Long Phú",
        "Huỳnh Văn Lộc",
        "0912345007",
    ],
    [
        "HS26008",
        "Võ Minh Đức",
        "25/03/2015",
        "Nam",
        "Kinh",
        "Ấp Phú Đức, xã Long Phú",
        "Võ Thị Hoa",
        "0912345008",
    ],
]
