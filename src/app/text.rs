//! Every sentence the booth shows, in Chinese and English, looked up by key. Screens never hold literal
//! user-facing text. The staff station's sentences are here; the booth screens' are in
//! `app::screens::strings`, and [`tr`] looks in both.

use crate::app::screens::strings::BOOTH_TEXTS;

/// Display language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Zh,
    En,
}

impl Lang {
    pub fn other(self) -> Lang {
        match self {
            Lang::Zh => Lang::En,
            Lang::En => Lang::Zh,
        }
    }
}

impl From<crate::config::Language> for Lang {
    fn from(language: crate::config::Language) -> Self {
        match language {
            crate::config::Language::Zh => Lang::Zh,
            crate::config::Language::En => Lang::En,
        }
    }
}

impl From<Lang> for crate::config::Language {
    fn from(lang: Lang) -> Self {
        match lang {
            Lang::Zh => crate::config::Language::Zh,
            Lang::En => crate::config::Language::En,
        }
    }
}

/// (key, Chinese, English).
const TEXTS: &[(&str, &str, &str)] = &[
    ("attract.title", "自助证件照", "Self-service ID photo"),
    (
        "attract.line1",
        "校园卡、学信网学历图像、身份证规格照片，一次拍好",
        "Campus card, CHSI graduation image and ID-card photos, right first time",
    ),
    (
        "attract.line2",
        "屏幕会提示您调整姿势，合格后自动拍照",
        "The screen guides your pose and takes the photo when everything is right",
    ),
    (
        "attract.line3",
        "拍完即可看到初审结果，工作人员审核后生效",
        "See the pre-check result at once; staff approve it afterwards",
    ),
    ("language.toggle", "English", "中文"),
    (
        "camera.demo",
        "演示摄像头：未连接摄像头",
        "Demo camera: no camera connected",
    ),
    ("camera.starting", "正在打开摄像头…", "Opening the camera…"),
    ("camera.reconnecting", "摄像头重连中", "Reconnecting camera"),
    (
        "camera.failed",
        "摄像头不可用，请联系工作人员",
        "Camera unavailable, please ask staff",
    ),
    (
        "attract.mirror",
        "看看镜头里的自己",
        "This is what the camera sees",
    ),
    // Staff station.
    (
        "staff.window_title",
        "idbooth 审核工作站",
        "idbooth staff station",
    ),
    ("staff.login_title", "工作人员登录", "Staff login"),
    ("staff.account", "账号", "Account"),
    ("staff.pin", "PIN 码", "PIN"),
    ("staff.login", "登录", "Log in"),
    ("staff.logout", "退出登录", "Log out"),
    ("staff.failed", "操作失败", "Failed"),
    ("staff.tab_queue", "待审核 ({n})", "Review queue ({n})"),
    ("staff.tab_search", "查找 (/)", "Search (/)"),
    ("staff.tab_stats", "统计", "Statistics"),
    ("staff.tab_admin", "名单与清理", "Roster & retention"),
    ("staff.tab_capture", "协助拍照", "Assisted capture"),
    (
        "staff.capture_starting",
        "正在启动相机和模型…",
        "Starting the camera and the models…",
    ),
    (
        "staff.capture_failed",
        "无法启动拍照",
        "Cannot start the capture",
    ),
    ("staff.capture_retry", "重试", "Try again"),
    (
        "staff.capture_hint",
        "键盘可输入学号，回车 = 下一步",
        "Type the student number on the keyboard; Enter = next",
    ),
    (
        "staff.back_to_maintenance",
        "返回维护",
        "Back to maintenance",
    ),
    ("maint.review", "审核", "Review"),
    (
        "staff.queue_more",
        "仅列出最早的 {n} 条",
        "Only the oldest {n} are listed",
    ),
    ("staff.nothing_here", "没有记录", "No records here"),
    (
        "staff.pick_record",
        "请在左侧选择一条记录（J/K 或方向键切换）",
        "Pick a record on the left (J/K or arrow keys)",
    ),
    ("staff.search_label", "学号或姓名", "Student number or name"),
    (
        "staff.search_hint",
        "输入后按回车",
        "type, then press Enter",
    ),
    ("staff.search", "查找", "Search"),
    (
        "staff.search_results",
        "找到 {n} 条：{q}",
        "{n} found for: {q}",
    ),
    ("staff.retakes", "重拍 {n} 次", "{n} retakes"),
    ("staff.original", "原始拍摄", "Original capture"),
    (
        "staff.original_purged",
        "原始照片已按保留期限删除",
        "Original deleted by the retention purge",
    ),
    ("staff.photo", "标准照片", "Standardized photo"),
    ("staff.approve", "通过 (A)", "Approve (A)"),
    ("staff.reject", "驳回 (R)", "Reject (R)"),
    (
        "staff.not_pending",
        "此记录不在待审核状态",
        "This record is not waiting for review",
    ),
    (
        "staff.reasons_hint",
        "选择驳回原因（数字键 1–9），可填写备注，再按 R 确认",
        "Pick reasons (keys 1–9), add a note if needed, then press R to confirm",
    ),
    ("staff.note", "备注", "Note"),
    (
        "staff.confirm_reject",
        "确认驳回 (R)",
        "Confirm rejection (R)",
    ),
    ("staff.cancel", "取消", "Cancel"),
    (
        "staff.approved_banner",
        "记录 {id} 已通过",
        "Record {id} approved",
    ),
    (
        "staff.rejected_banner",
        "记录 {id} 已驳回",
        "Record {id} rejected",
    ),
    ("staff.report", "检测报告", "Check report"),
    ("staff.last_rejection", "上次驳回原因", "Last rejected for"),
    ("staff.history", "处理记录", "History"),
    (
        "staff.rerender_with",
        "按其他规格重新生成",
        "Re-render with profile",
    ),
    ("staff.rerender", "重新生成", "Re-render"),
    ("staff.printer", "{state}", "Printer: {state}"),
    (
        "staff.export_title",
        "导出到校园卡系统",
        "Export to the campus-card system",
    ),
    ("staff.export_folder", "导出文件夹", "Export folder"),
    ("staff.export_profile", "规格", "Profile"),
    ("staff.export_all_profiles", "全部规格", "All profiles"),
    (
        "staff.export_since",
        "审核通过日期不早于",
        "Approved on or after",
    ),
    (
        "staff.export_again",
        "包括已导出的照片",
        "Include photos exported before",
    ),
    ("staff.export_run", "导出", "Export"),
    (
        "staff.export_done",
        "批次 {batch}：{n} 张照片已导出到 {folder}",
        "Batch {batch}: {n} photos exported to {folder}",
    ),
    (
        "staff.export_nothing",
        "没有可导出的照片（已导出的需勾选“包括已导出的照片”）",
        "Nothing to export (tick \"Include photos exported before\" for exported ones)",
    ),
    (
        "staff.export_skipped",
        "跳过 {n} 条记录：文件名模板所需信息缺失（名单中无身份证号等）",
        "{n} records skipped: the file name template needs a value they lack (no ID number on the roster…)",
    ),
    (
        "staff.export_folder_missing",
        "请填写导出文件夹",
        "Type the export folder first",
    ),
    (
        "staff.export_since_bad",
        "日期格式应为 YYYY-MM-DD",
        "Write the date as YYYY-MM-DD",
    ),
    (
        "staff.rerendered_banner",
        "记录 {id} 已按 {profile} 重新生成，请重新审核",
        "Record {id} re-rendered as {profile}; review it again",
    ),
    ("staff.refresh", "刷新", "Refresh"),
    (
        "staff.stat_pending_now",
        "当前待审核",
        "Waiting for review now",
    ),
    ("staff.stat_today", "今日", "Today"),
    ("staff.stat_week", "本周", "This week"),
    ("staff.stat_captured", "拍摄", "Captured"),
    ("staff.stat_submitted", "新提交", "New submissions"),
    ("staff.stat_approved", "通过", "Approved"),
    ("staff.stat_rejected", "驳回", "Rejected"),
    ("staff.stat_exported", "已导出", "Exported"),
    ("staff.stat_printed", "打印张数", "Copies printed"),
    ("staff.roster_title", "导入学生名单", "Import the roster"),
    (
        "staff.roster_help",
        "CSV（UTF-8），表头需有 学号 与 姓名 列，可选 院系、是否有效",
        "CSV (UTF-8) with 学号/student_no and 姓名/name columns; 院系/department and eligible are optional",
    ),
    ("staff.roster_path", "文件路径", "File path"),
    ("staff.roster_import", "导入", "Import"),
    (
        "staff.roster_skip_bad",
        "跳过错误行，导入其余各行",
        "Skip bad rows and import the rest",
    ),
    (
        "staff.login_wrong_pin",
        "PIN 码错误，还可尝试 {n} 次",
        "Wrong PIN; {n} attempts left",
    ),
    (
        "staff.login_locked",
        "输错次数过多，账号已锁定，请 {n} 秒后再试",
        "Too many wrong PINs; the account is locked for {n} s",
    ),
    (
        "staff.idle_logout",
        "长时间无操作，已自动退出登录",
        "Logged out after a period without activity",
    ),
    ("staff.login_unknown", "没有这个账号", "No such account"),
    (
        "staff.login_disabled",
        "此账号已停用",
        "This account is disabled",
    ),
    (
        "staff.login_bad_pin",
        "PIN 码为 {min}–{max} 位数字",
        "A PIN is {min} to {max} digits",
    ),
    (
        "staff.login_bad_account",
        "账号格式不正确",
        "Not a valid account name",
    ),
    (
        "staff.roster_path_missing",
        "请先输入名单文件的路径",
        "Type the path of the roster file first",
    ),
    ("staff.roster_done", "名单已导入", "Roster imported"),
    (
        "staff.roster_refused",
        "文件中有错误行，未导入任何内容；请修改后重试",
        "The file has bad rows; nothing was imported. Fix them and try again",
    ),
    (
        "staff.roster_summary",
        "读取 {read} 行：新增 {new}，更新 {updated}，未变 {same}，错误 {bad}",
        "{read} rows read: {new} new, {updated} updated, {same} unchanged, {bad} bad",
    ),
    ("staff.line_n", "第 {n} 行", "Line {n}"),
    (
        "staff.more_rows",
        "另有 {n} 行错误未列出",
        "{n} more bad rows not listed",
    ),
    (
        "staff.purge_title",
        "删除过期原始照片",
        "Purge old original captures",
    ),
    ("staff.purge_days", "保留天数", "Keep originals for (days)"),
    ("staff.purge", "删除过期原始照片…", "Purge originals…"),
    (
        "staff.purge_confirm_text",
        "将永久删除 {n} 天前拍摄的原始照片（标准照片与审核记录保留）。确定吗？",
        "Original captures older than {n} days will be deleted for good (standardized photos and history stay). Continue?",
    ),
    ("staff.purge_confirm", "确定删除", "Delete them"),
    (
        "staff.purge_done",
        "已删除 {n} 张原始照片",
        "{n} original captures deleted",
    ),
    (
        "staff.purge_summary",
        "上次清理：删除 {n} 张，释放 {mb} MB",
        "Last purge: {n} deleted, {mb} MB freed",
    ),
];

/// The text for `key` in `lang`; the key itself when it is missing (a test keeps that from happening).
pub fn tr(lang: Lang, key: &str) -> &str {
    TEXTS
        .iter()
        .chain(BOOTH_TEXTS)
        .find(|(k, _, _)| *k == key)
        .map_or(key, |(_, zh, en)| match lang {
            Lang::Zh => zh,
            Lang::En => en,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_has_both_languages_and_keys_are_unique() {
        let all: Vec<_> = TEXTS.iter().chain(BOOTH_TEXTS).collect();
        for (i, (key, zh, en)) in all.iter().enumerate() {
            assert!(!zh.is_empty() && !en.is_empty(), "{key}");
            assert!(
                all[i + 1..].iter().all(|(k, _, _)| k != key),
                "duplicate {key}"
            );
        }
        assert_eq!(tr(Lang::Zh, "attract.title"), "自助证件照");
        assert_eq!(tr(Lang::En, "attract.title"), "Self-service ID photo");
    }
}
